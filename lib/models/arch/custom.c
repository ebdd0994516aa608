/* The reference article's "custom" model: a small, shallow Keras-style CNN. The article gives
 * no layer list; we take the Keras cifar10_cnn example, the canonical network of that shape
 * (docs/models.md has the reasoning):
 *
 *   Conv2D(32, 3x3, padding="same") ReLU, Conv2D(32, 3x3) ReLU, MaxPooling2D(2), Dropout(0.25),
 *   Conv2D(64, 3x3, padding="same") ReLU, Conv2D(64, 3x3) ReLU, MaxPooling2D(2), Dropout(0.25),
 *   Flatten, Dense(512) ReLU, Dropout(0.5), Dense(K)
 *
 * Keras "same" with a 3x3 kernel and stride 1 is padding 1 on every side; "valid" (Keras's
 * default) is padding 0. Keras's closing softmax is part of our loss. Names follow a PyTorch
 * port with modules conv1..conv4, fc1, fc2 (tests/reference/models_reference.py). */
#include "models/spec.h"

#define CONV(name, planes, pp) { CS__OP_CONV, name, planes, .k = 3, .stride = 1, .pad = pp, .flags = CS__SPEC_BIAS }

static const cs__spec_row rows[] = {
    CONV("conv1", 32, 1),
    { .kind = CS__OP_RELU },
    CONV("conv2", 32, 0),
    { .kind = CS__OP_RELU },
    { CS__OP_MAXPOOL, .k = 2, .stride = 2 },
    { CS__OP_DROPOUT, .p = 0.25 },
    CONV("conv3", 64, 1),
    { .kind = CS__OP_RELU },
    CONV("conv4", 64, 0),
    { .kind = CS__OP_RELU },
    { CS__OP_MAXPOOL, .k = 2, .stride = 2 },
    { CS__OP_DROPOUT, .p = 0.25 },
    { .kind = CS__OP_FLATTEN },
    { CS__OP_LINEAR, "fc1", 512, .flags = CS__SPEC_BIAS },
    { .kind = CS__OP_RELU },
    { CS__OP_DROPOUT, .p = 0.5 },
    { CS__OP_LINEAR, "fc2", CS__SPEC_CLASSES, .flags = CS__SPEC_BIAS },
    { .kind = CS__SPEC_END },
};

const cs__arch_spec cs__arch_custom = {
    .name = "custom",
    .description = "the article's small custom CNN (Keras cifar10_cnn): four 3x3 convolutions, dropout",
    .default_width = 1.0,
    .widest = 512,
    .rows = rows,
};
