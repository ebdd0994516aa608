/* The architecture registry: the one list of architectures (each a spec file under arch/, see
 * spec.h), argument checks, building by name, the error message that turns the builder's
 * "this layer gets too small an input" into one about the user's input, and the public
 * listing (cs_model_arch_count, cs_model_arch_name, cs_model_arch_describe). */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "classsens/model.h"
#include "models/models.h"
#include "models/spec.h"

/* Widths above this are not a CIFAR model any more; the bound keeps every channel count
 * (and the sum of four concatenated ones) far from INT_MAX. */
#define MAX_WIDTH 1024.0
/* The loss and the confusion matrices index classes with int; 2^16 classes already make a
 * 16 GiB confusion matrix. */
#define MAX_CLASSES 65536

/* Every architecture, in the order listings show them (the article's five first). Adding one
 * is its spec file under arch/ and one line here. */
static const cs__arch_spec *const archs[] = {
    &cs__arch_lenet, &cs__arch_resnet18, &cs__arch_unresnet18, &cs__arch_googlenet,
    &cs__arch_custom, &cs__arch_vgg11, &cs__arch_mobilenetv2,
};

enum { N_ARCHS = (int)(sizeof archs / sizeof archs[0]) };

int cs__arch_count(void)
{
    return N_ARCHS;
}

const cs__arch_spec *cs__arch_at(int i)
{
    return i >= 0 && i < N_ARCHS ? archs[i] : NULL;
}

const cs__arch_spec *cs__arch_find(const char *name)
{
    for (int i = 0; name && i < N_ARCHS; i++)
        if (strcmp(archs[i]->name, name) == 0)
            return archs[i];
    return NULL;
}

/* "lenet, resnet18, ..." for messages. */
static const char *known_archs(void)
{
    static _Thread_local char text[256];
    size_t used = 0;
    text[0] = '\0';
    for (int i = 0; i < N_ARCHS && used < sizeof text; i++)
        used += (size_t)snprintf(text + used, sizeof text - used, "%s%s", i ? ", " : "", archs[i]->name);
    return text;
}

int cs__model_scale(int channels, double width)
{
    const double x = round((double)channels * width);
    /* Saturate rather than overflow the conversion; callers bound the width. */
    if (!(x < (double)INT_MAX))
        return INT_MAX;
    return x < 1.0 ? 1 : (int)x;
}

/* The module that produced the last tensor before the failure ("layer2.0.bn1"), which places
 * an unnamed failing layer (a functional max pool has no name in PyTorch either). */
static void last_module(const cs__net *net, char *out, size_t size)
{
    if (net->n_tensors == 0) {
        snprintf(out, size, "the input");
        return;
    }
    const char *name = net->tensors[net->n_tensors - 1].name;
    const char *dot = strrchr(name, '.');
    int len = dot ? (int)(dot - name) : (int)strlen(name);
    snprintf(out, size, "%.*s", len, name);
}

/* Rewrite the builder's message (which names the layer and the plane it got) so that it
 * also says which model and input the user asked for. */
static int too_small(const cs__net *net, const char *name, int c, int h, int w)
{
    char detail[512], after[CS__NET_NAME_MAX];
    /* Copied first: cs__error writes the buffer that cs_last_error() returns. */
    snprintf(detail, sizeof detail, "%s", cs_last_error());
    last_module(net, after, sizeof after);
    return cs__error(CS_ERR_UNSUPPORTED,
                     "%s: a %dx%dx%d input is too small; the spatial size reaches 0 after %s (%s)",
                     name, c, h, w, after, detail);
}

static int build(cs__net *net, const char *arch_name, int c, int h, int w, int k, double width, bool allocate)
{
    if (!net)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "model: net is NULL");
    /* Every failure below leaves a zeroed net, which cs__net_free accepts. */
    memset(net, 0, sizeof *net);
    if (!arch_name)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "model: architecture name is NULL (known: %s)", known_archs());
    const cs__arch_spec *a = cs__arch_find(arch_name);
    if (!a)
        return cs__error(CS_ERR_NOT_FOUND, "model: unknown architecture \"%s\" (known: %s)", arch_name,
                         known_archs());
    if (c < 1 || h < 1 || w < 1)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: input %dx%dx%d (CxHxW) must be at least 1x1x1", a->name, c,
                         h, w);
    if (k < 2 || k > MAX_CLASSES)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: %d classes; expected 2..%d", a->name, k, MAX_CLASSES);
    if (!(isfinite(width) && width > 0.0 && width <= MAX_WIDTH))
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: width multiplier %g; expected a finite value in (0, %g]",
                         a->name, width, MAX_WIDTH);
    /* The builder and the executor index one sample's activation with int. Bounding the widest
     * layer (plus 4 for the rounding of four concatenated inception branches) at the input's
     * plane covers every activation, the flattened ones included. */
    const int channels = cs__model_scale(a->widest, width) + CS__NET_MAX_INPUTS;
    const double per_sample = (double)(c > channels ? c : channels) * (double)h * (double)w;
    if (per_sample > (double)INT_MAX)
        return cs__error(CS_ERR_UNSUPPORTED,
                         "%s: a %dx%dx%d input at width %g gives activations of up to %.0f values per sample, "
                         "more than the %d the layers can index",
                         a->name, c, h, w, width, per_sample, INT_MAX);

    int rc = cs__net_init(net, c, h, w);
    if (rc >= 0)
        rc = cs__spec_build(net, a, k, width);
    if (rc >= 0)
        rc = allocate ? cs__net_finish(net, rc) : cs__net_finish_layout(net, rc);
    if (rc < 0) {
        if (rc == CS_ERR_UNSUPPORTED) {
            too_small(net, a->name, c, h, w);
        } else if (rc == CS_ERR_OVERFLOW) {
            /* An activation the bound above did not foresee (expansion layers at tiny widths):
             * the same answer as the bound's. */
            char detail[512];
            snprintf(detail, sizeof detail, "%s", cs_last_error());
            rc = cs__error(CS_ERR_UNSUPPORTED, "%s: a %dx%dx%d input at width %g gives activations larger than "
                           "the %d values the layers can index (%s)", a->name, c, h, w, width, INT_MAX, detail);
        }
        cs__net_free(net);
        return rc;
    }
    return CS_OK;
}

int cs__model_build(cs__net *net, const char *arch_name, int c, int h, int w, int k, double width)
{
    return build(net, arch_name, c, h, w, k, width, true);
}

int cs__model_layout(cs__net *net, const char *arch_name, int c, int h, int w, int k, double width)
{
    return build(net, arch_name, c, h, w, k, width, false);
}

int cs_model_arch_count(void)
{
    return N_ARCHS;
}

const char *cs_model_arch_name(int i)
{
    const cs__arch_spec *a = cs__arch_at(i);
    return a ? a->name : NULL;
}

/* The fields of cs_arch_info in 1.0; a caller compiled against it passes at least this. */
#define ARCH_INFO_1_0_SIZE (offsetof(cs_arch_info, num_tensors) + sizeof(int))

int cs_model_arch_describe(cs_arch_info *out, const char *arch_name, int c, int h, int w, int num_classes,
                           double width)
{
    if (!out)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_model_arch_describe: out is NULL");
    if (out->struct_size < ARCH_INFO_1_0_SIZE)
        return cs__error(CS_ERR_INVALID_ARGUMENT,
                         "cs_model_arch_describe: out->struct_size %zu is smaller than any cs_arch_info (%zu); set "
                         "it to sizeof(cs_arch_info)",
                         out->struct_size, (size_t)ARCH_INFO_1_0_SIZE);
    if (out->struct_size > sizeof(cs_arch_info))
        return cs__error(CS_ERR_UNSUPPORTED,
                         "cs_model_arch_describe: out->struct_size %zu is larger than this library's cs_arch_info "
                         "(%zu): the caller was built against a newer libclasssens",
                         out->struct_size, sizeof(cs_arch_info));
    const cs__arch_spec *a = cs__arch_find(arch_name);
    if (!a)
        return cs__error(arch_name ? CS_ERR_NOT_FOUND : CS_ERR_INVALID_ARGUMENT,
                         "cs_model_arch_describe: unknown architecture \"%s\" (known: %s)",
                         arch_name ? arch_name : "(null)", known_archs());
    if (width == 0.0)
        width = a->default_width;
    cs__net net;
    const int status = cs__model_layout(&net, arch_name, c, h, w, num_classes, width);
    if (status != CS_OK)
        return status;
    cs_arch_info info;
    memset(&info, 0, sizeof info); /* padding, on ABIs that have some, copies as zeros */
    info.struct_size = out->struct_size;
    info.name = a->name;
    info.description = a->description;
    info.default_width = a->default_width;
    info.width = width;
    info.num_params = net.n_params;
    info.forward_flops = cs__net_forward_flops(&net);
    info.has_batchnorm = cs__net_has_bn(&net);
    info.num_tensors = net.n_tensors;
    cs__net_free(&net);
    memcpy(out, &info, out->struct_size);
    return CS_OK;
}
