/* The architecture registry: argument checks, dispatch by name, and the error message that
 * turns the builder's "this layer gets too small an input" into one about the user's input.
 * The layers themselves are in lenet.c, resnet18.c, googlenet.c and custom.c (docs/models.md). */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "models/models.h"

/* Widths above this are not a CIFAR model any more; the bound keeps every channel count
 * (and the sum of four concatenated ones) far from INT_MAX. */
#define MAX_WIDTH 1024.0
/* The loss and the confusion matrices index classes with int; 2^16 classes already make a
 * 16 GiB confusion matrix. */
#define MAX_CLASSES 65536

typedef struct arch {
    const char *name;
    int (*build)(cs__net *net, int k, double width);
    /* The most channels (or features) any activation of the architecture has at width 1; no
     * activation has a larger plane than the input (LeNet's padding only restores it). */
    int widest;
} arch;

static int build_resnet18(cs__net *net, int k, double width)
{
    return cs__resnet18_build(net, k, width, true);
}

static int build_unresnet18(cs__net *net, int k, double width)
{
    return cs__resnet18_build(net, k, width, false);
}

static const arch archs[] = {
    { "lenet", cs__lenet_build, 120 },
    { "resnet18", build_resnet18, 512 },
    { "unresnet18", build_unresnet18, 512 },
    { "googlenet", cs__googlenet_build, 1024 },
    { "custom", cs__custom_build, 512 },
};

#define KNOWN_ARCHS "lenet, resnet18, unresnet18, googlenet, custom"

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
        return cs__error(CS_ERR_INVALID_ARGUMENT, "model: architecture name is NULL (known: " KNOWN_ARCHS ")");
    const arch *a = NULL;
    for (size_t i = 0; i < sizeof archs / sizeof archs[0]; i++)
        if (strcmp(archs[i].name, arch_name) == 0)
            a = &archs[i];
    if (!a)
        return cs__error(CS_ERR_NOT_FOUND, "model: unknown architecture \"%s\" (known: " KNOWN_ARCHS ")",
                         arch_name);
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
        rc = a->build(net, k, width);
    if (rc >= 0)
        rc = allocate ? cs__net_finish(net, rc) : cs__net_finish_layout(net, rc);
    if (rc < 0) {
        if (rc == CS_ERR_UNSUPPORTED)
            too_small(net, a->name, c, h, w);
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
