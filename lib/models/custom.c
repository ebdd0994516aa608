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
#include "models/models.h"

int cs__custom_build(cs__net *net, int k, double width)
{
    const int c1 = cs__model_scale(32, width), c3 = cs__model_scale(64, width);
    int x = 0; /* the input activation of cs__net_init */
    x = cs__net_conv(net, x, "conv1", c1, 3, 1, 1, true);
    x = cs__net_relu(net, x);
    x = cs__net_conv(net, x, "conv2", c1, 3, 1, 0, true);
    x = cs__net_relu(net, x);
    x = cs__net_maxpool(net, x, 2, 2, 0);
    x = cs__net_dropout(net, x, 0.25);
    x = cs__net_conv(net, x, "conv3", c3, 3, 1, 1, true);
    x = cs__net_relu(net, x);
    x = cs__net_conv(net, x, "conv4", c3, 3, 1, 0, true);
    x = cs__net_relu(net, x);
    x = cs__net_maxpool(net, x, 2, 2, 0);
    x = cs__net_dropout(net, x, 0.25);
    x = cs__net_flatten(net, x);
    x = cs__net_linear(net, x, "fc1", cs__model_scale(512, width), true);
    x = cs__net_relu(net, x);
    x = cs__net_dropout(net, x, 0.5);
    return cs__net_linear(net, x, "fc2", k, true);
}
