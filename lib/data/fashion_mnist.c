/* Fashion-MNIST (Xiao, Rasul, Vollgraf 2017): the IDX files of Zalando's release. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "core/error.h"
#include "data/idx.h"

static const char *const fashion_names[10] = {
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
};

/* dir/stem.gz if it exists, else dir/stem (which may not exist either: the loader reports it). */
static int find_file(char *path, size_t cap, const char *dir, const char *stem)
{
    struct stat st;
    int len = snprintf(path, cap, "%s/%s.gz", dir, stem);
    if (len < 0 || (size_t)len >= cap)
        return cs__error(CS_ERR_INVALID_ARGUMENT,
                         "cs_dataset_open_fashion_mnist: directory path is too long (%zu bytes at most)",
                         cap - 32);
    if (stat(path, &st) == 0)
        return CS_OK;
    snprintf(path, cap, "%s/%s", dir, stem);
    if (stat(path, &st) == 0)
        return CS_OK;
    return cs__error(CS_ERR_NOT_FOUND,
                     "Fashion-MNIST: neither %s/%s.gz nor %s/%s exists (install the Debian "
                     "package dataset-fashion-mnist, or set " CS_FASHION_MNIST_ENV ")",
                     dir, stem, dir, stem);
}

int cs_dataset_open_fashion_mnist(cs_dataset **out, const char *dir, cs_split split)
{
    if (!out)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_dataset_open_fashion_mnist: out is NULL");
    *out = NULL;
    if (split != CS_SPLIT_TRAIN && split != CS_SPLIT_TEST)
        return cs__error(CS_ERR_INVALID_ARGUMENT,
                         "cs_dataset_open_fashion_mnist: split is %d, expected CS_SPLIT_TRAIN (0) "
                         "or CS_SPLIT_TEST (1)", (int)split);
    if (!dir) {
        const char *env = getenv(CS_FASHION_MNIST_ENV);
        dir = env && env[0] ? env : CS_FASHION_MNIST_DEFAULT_DIR;
    }
    const char *prefix = split == CS_SPLIT_TRAIN ? "train" : "t10k";
    char stem[64], images[4096], labels[4096];
    snprintf(stem, sizeof stem, "%s-images-idx3-ubyte", prefix);
    int status = find_file(images, sizeof images, dir, stem);
    if (status != CS_OK)
        return status;
    snprintf(stem, sizeof stem, "%s-labels-idx1-ubyte", prefix);
    status = find_file(labels, sizeof labels, dir, stem);
    if (status != CS_OK)
        return status;
    return cs__idx_load(out, images, labels, 10, fashion_names);
}
