/* cli_info: `classsens info DATA` (see cli_info.h). Uses only the public API. */
#include "cli_info.h"

#include <stdio.h>
#include <stdlib.h>

#include <classsens.h>

#include "cli_args.h"

static void info_help(void)
{
    printf("usage: classsens info DATA\n"
           "\n"
           "Describe both splits of a data set: size, image shape, classes with their names and\n"
           "counts, and the per-channel mean and standard deviation (pixel / 255).\n"
           "\n"
           "  DATA  %s\n",
           CLI_DATA_SYNTAX);
}

static int describe_split(const char *title, const cs_dataset *ds)
{
    int c = 0, h = 0, w = 0, k = cs_dataset_num_classes(ds);
    size_t n = cs_dataset_size(ds);
    cs_dataset_shape(&c, &h, &w, ds);
    printf("%s: %zu images of %dx%dx%d, %d classes\n", title, n, c, h, w, k);
    size_t *counts = calloc((size_t)k, sizeof *counts);
    double *mean = calloc((size_t)c, sizeof *mean), *sd = calloc((size_t)c, sizeof *sd);
    int status = counts && mean && sd ? CS_OK : CS_ERR_OUT_OF_MEMORY;
    if (status == CS_OK)
        status = cs_dataset_class_counts(counts, k, ds);
    if (status == CS_OK)
        status = cs_dataset_channel_stats(mean, sd, c, ds);
    if (status == CS_OK) {
        printf("  %3s  %-20s %8s %7s\n", "k", "class", "images", "share");
        for (int i = 0; i < k; i++)
            printf("  %3d  %-20s %8zu %6.2f%%\n", i, cs_dataset_class_name(ds, i), counts[i],
                   n ? 100.0 * (double)counts[i] / (double)n : 0.0);
        for (int ch = 0; ch < c; ch++)
            printf("  channel %d: mean %.4f  std %.4f\n", ch, mean[ch], sd[ch]);
    }
    free(counts);
    free(mean);
    free(sd);
    return status;
}

int cli_cmd_info(int argc, char **argv)
{
    cli_scanner sc = { argc, 0, argv, "info" };
    const char *spec = NULL, *v;
    int which = 0, kind;
    while ((kind = cli_scan_next(&sc, NULL, 0, &which, &v)) != CLI_SCAN_END) {
        if (kind == CLI_SCAN_ERROR)
            return CLI_EXIT_USAGE;
        if (kind == CLI_SCAN_HELP) {
            info_help();
            return 0;
        }
        if (spec)
            return cli_usage_error("info: one data set only (got '%s' and '%s')", spec, v);
        spec = v;
    }
    if (!spec)
        return cli_usage_error("info: missing the data set (classsens info DATA; DATA is %s)", CLI_DATA_SYNTAX);
    cli_data_spec d;
    int rc = cli_parse_data_spec(&d, spec, 0);
    if (rc != 0)
        return rc;
    cs_dataset *train = NULL, *test = NULL;
    double t0 = cli_now();
    int status = cli_open_data(&d, &train, &test);
    if (status != CS_OK)
        return cli_library_error(status);
    printf("%s (loaded in %.2f s)\n", spec, cli_now() - t0);
    status = describe_split("train", train);
    if (status == CS_OK && test)
        status = describe_split("test", test);
    else if (status == CS_OK)
        printf("test: none (%s)\n", d.kind == CLI_DATA_NPZ      ? "the archive has images and labels, no x_test and y_test"
                                   : d.kind == CLI_DATA_FOLDER ? "no train/ and test/ folders and no test=FRACTION"
                                                               : "no test files given");
    cs_dataset_destroy(train);
    cs_dataset_destroy(test);
    return status == CS_OK ? 0 : cli_library_error(status);
}
