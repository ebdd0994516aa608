/* kuangliu's LeNet (models/lenet.py): two 5x5 convolutions with 2x2 max pooling, then three
 * fully connected layers. The flatten size follows the input instead of being fixed at
 * 16 * 5 * 5, so that one definition serves 3x32x32 and 1x28x28. */
#include "models/models.h"

/* LeNet-5 was designed for 32x32 and pads 28x28 digits to 32x32, i.e. conv1 padding 2; for
 * inputs under 32 the pad is (32 - side) / 2, capped at 2 ("same" for a 5x5 kernel) because
 * a wider border would only convolve zeros (and would let a 1x4x4 input pass as 32x32). */
static int conv1_padding(const cs__act_shape *in)
{
    const int side = in->h < in->w ? in->h : in->w;
    const int pad = side < 32 ? (32 - side) / 2 : 0;
    return pad < 2 ? pad : 2;
}

int cs__lenet_build(cs__net *net, int k, double width)
{
    int x = 0; /* the input activation of cs__net_init */
    x = cs__net_conv(net, x, "conv1", cs__model_scale(6, width), 5, 1, conv1_padding(&net->input), true);
    x = cs__net_relu(net, x);
    x = cs__net_maxpool(net, x, 2, 2, 0);
    x = cs__net_conv(net, x, "conv2", cs__model_scale(16, width), 5, 1, 0, true);
    x = cs__net_relu(net, x);
    x = cs__net_maxpool(net, x, 2, 2, 0);
    x = cs__net_flatten(net, x);
    x = cs__net_linear(net, x, "fc1", cs__model_scale(120, width), true);
    x = cs__net_relu(net, x);
    x = cs__net_linear(net, x, "fc2", cs__model_scale(84, width), true);
    x = cs__net_relu(net, x);
    /* The class count is the task's, never scaled. */
    return cs__net_linear(net, x, "fc3", k, true);
}
