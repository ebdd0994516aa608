/* Internal: the IDX loader, shared with the Fashion-MNIST entry point. */
#ifndef CS_DATA_IDX_H
#define CS_DATA_IDX_H

#include <classsens/dataset.h>

/* Load an IDX image/label pair; num_classes 0 infers K; names: K strings or NULL. */
int cs__idx_load(cs_dataset **out, const char *images_path, const char *labels_path,
                 int num_classes, const char *const *names);

#endif
