/* The README's minimal example: load Fashion-MNIST, report it, normalise a batch. */
#include <stdio.h>

#include <classsens.h>

int main(void)
{
    cs_dataset *train = NULL;
    int status = cs_dataset_open_fashion_mnist(&train, NULL, CS_SPLIT_TRAIN);
    if (status != CS_OK) {
        fprintf(stderr, "%s: %s\n", cs_status_str(status), cs_last_error());
        return 1;
    }
    double mean[1], std[1];
    cs_dataset_channel_stats(mean, std, 1, train);
    printf("%zu images, %d classes, first is a %s; mean %.4f std %.4f\n",
           cs_dataset_size(train), cs_dataset_num_classes(train),
           cs_dataset_class_name(train, cs_dataset_label(train, 0)), mean[0], std[0]);

    float fmean = (float)mean[0], fstd = (float)std[0], batch[4 * 28 * 28];
    cs_batch_options opts = CS_BATCH_OPTIONS_INIT;
    opts.mean = &fmean;
    opts.std = &fstd;
    opts.crop_padding = 4;       /* random crop after zero padding of 4 */
    opts.horizontal_flip = 1;
    opts.seed = 42;
    status = cs_dataset_batch(batch, train, NULL, 4, &opts);
    if (status != CS_OK)
        fprintf(stderr, "%s: %s\n", cs_status_str(status), cs_last_error());
    cs_dataset_destroy(train);
    return status == CS_OK ? 0 : 1;
}
