/* kuangliu's LeNet (models/lenet.py): two 5x5 convolutions with 2x2 max pooling, then three
 * fully connected layers. The flatten size follows the input instead of being fixed at
 * 16 * 5 * 5, so that one definition serves 3x32x32 and 1x28x28; LeNet-5 was designed for
 * 32x32 and pads 28x28 digits to 32x32, so conv1 pads smaller inputs towards 32, at most 2
 * ("same" for a 5x5 kernel; a wider border would only convolve zeros and would let a 1x4x4
 * input pass as 32x32). */
#include "models/spec.h"

static const cs__spec_row rows[] = {
    { CS__OP_CONV, "conv1", 6, .k = 5, .stride = 1, .pad = 2, .flags = CS__SPEC_BIAS | CS__SPEC_PAD_TO_32 },
    { .kind = CS__OP_RELU },
    { CS__OP_MAXPOOL, .k = 2, .stride = 2 },
    { CS__OP_CONV, "conv2", 16, .k = 5, .stride = 1, .flags = CS__SPEC_BIAS },
    { .kind = CS__OP_RELU },
    { CS__OP_MAXPOOL, .k = 2, .stride = 2 },
    { .kind = CS__OP_FLATTEN },
    { CS__OP_LINEAR, "fc1", 120, .flags = CS__SPEC_BIAS },
    { .kind = CS__OP_RELU },
    { CS__OP_LINEAR, "fc2", 84, .flags = CS__SPEC_BIAS },
    { .kind = CS__OP_RELU },
    { CS__OP_LINEAR, "fc3", CS__SPEC_CLASSES, .flags = CS__SPEC_BIAS },
    { .kind = CS__SPEC_END },
};

const cs__arch_spec cs__arch_lenet = {
    .name = "lenet",
    .description = "LeNet-5: two 5x5 convolutions with max pooling, three fully connected layers",
    .default_width = 1.0,
    .widest = 120,
    .rows = rows,
};
