/* cli_models: `classsens models` (see cli_models.h). Uses only the public API. */
#include "cli_models.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <classsens.h>

#include "cli_args.h"

/* The class counts the library's models take (cs_model_create). */
#define MAX_CLASSES 65536

static void models_help(void)
{
    printf("usage: classsens models [--input CxHxW] [--classes K]\n"
           "\n"
           "The architectures --models accepts, each at its default width for one input shape\n"
           "(default 1x28x28, Fashion-MNIST) and K classes (default 10): parameters, forward\n"
           "cost per image, whether it has BatchNorm (default learning rate 0.1, else 0.01), and\n"
           "its layers in one line. A width multiplier w (arch:w in --models) scales every\n"
           "channel count by w, the parameters by about w^2.\n");
}

/* "CxHxW", each size 1..65536 (strtol: no overflow on long digit strings); 0 or -1. */
static int parse_shape(const char *text, int *c, int *h, int *w)
{
    int *dims[3] = { c, h, w };
    const char *p = text;
    for (int i = 0; i < 3; i++) {
        char *end;
        errno = 0;
        long v = strtol(p, &end, 10);
        if (end == p || errno != 0 || v < 1 || v > 65536 || *end != (i < 2 ? 'x' : '\0'))
            return -1;
        *dims[i] = (int)v;
        p = end + 1;
    }
    return 0;
}

int cli_cmd_models(int argc, char **argv)
{
    int c = 1, h = 28, w = 28, k = 10;
    for (int a = 0; a < argc; a++) {
        if (strcmp(argv[a], "--help") == 0 || strcmp(argv[a], "-h") == 0) {
            models_help();
            return 0;
        }
        if (a + 1 >= argc)
            return cli_usage_error("models: %s needs a value (see classsens models --help)", argv[a]);
        const char *v = argv[++a];
        if (strcmp(argv[a - 1], "--input") == 0) {
            if (parse_shape(v, &c, &h, &w) != 0)
                return cli_usage_error("models: --input '%s' is not CxHxW with sizes 1..65536, e.g. 3x32x32", v);
        } else if (strcmp(argv[a - 1], "--classes") == 0) {
            if (cli_parse_int("models: --classes", v, 2, &k) != 0)
                return CLI_EXIT_USAGE;
            if (k > MAX_CLASSES)
                return cli_usage_error("models: --classes %d; the library takes 2..%d", k, MAX_CLASSES);
        } else {
            return cli_usage_error("models: unknown option '%s' (see classsens models --help)", argv[a - 1]);
        }
    }
    printf("architectures for %dx%dx%d input, %d classes, default width:\n\n", c, h, w, k);
    printf("%-12s %12s %12s %3s  %s\n", "name", "parameters", "MFLOP/image", "BN", "layers");
    for (int i = 0; i < cs_model_arch_count(); i++) {
        cs_arch_info info = { .struct_size = sizeof info };
        const char *name = cs_model_arch_name(i);
        if (cs_model_arch_describe(&info, name, c, h, w, k, 0.0) != CS_OK) {
            printf("%-12s  (%s)\n", name, cs_last_error());
            continue;
        }
        printf("%-12s %12zu %12.1f %3s  %s\n", info.name, info.num_params, info.forward_flops / 1e6,
               info.has_batchnorm ? "yes" : "no", info.description);
    }
    return 0;
}
