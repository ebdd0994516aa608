/* The op table: one entry per op kind of net.h, each defined in its own file in this
 * directory. */
#include "models/op.h"

static const cs__op_def *const table[CS__OP_COUNT] = {
    [CS__OP_INPUT] = &cs__op_input,
    [CS__OP_CONV] = &cs__op_conv,
    [CS__OP_BN] = &cs__op_bn,
    [CS__OP_RELU] = &cs__op_relu,
    [CS__OP_MAXPOOL] = &cs__op_maxpool,
    [CS__OP_AVGPOOL] = &cs__op_avgpool,
    [CS__OP_GAP] = &cs__op_gap,
    [CS__OP_FLATTEN] = &cs__op_flatten,
    [CS__OP_LINEAR] = &cs__op_linear,
    [CS__OP_ADD] = &cs__op_add,
    [CS__OP_CONCAT] = &cs__op_concat,
    [CS__OP_DROPOUT] = &cs__op_dropout,
    [CS__OP_RELU6] = &cs__op_relu6,
    [CS__OP_GMAXPOOL] = &cs__op_gmaxpool,
};

const cs__op_def *cs__op_def_of(cs__op op)
{
    return (unsigned)op < CS__OP_COUNT ? table[op] : NULL;
}
