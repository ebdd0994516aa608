/* The architecture interpreter (see spec.h): layer rows to net nodes. */
#include <stdio.h>

#include "core/error.h"
#include "models/models.h"
#include "models/op.h"
#include "models/spec.h"

static int bad_row(cs__net *net, const cs__arch_spec *spec, int r, const char *why)
{
    return cs__net_fail(net, cs__error(CS_ERR_INVALID_ARGUMENT, "%s: layer row %d: %s", spec->name, r, why));
}

static bool valid_reg(int reg)
{
    return reg >= 0 && reg < CS__SPEC_REGISTERS;
}

/* current + registers[row->reg], through kuangliu's projection when the block strides or the
 * shapes differ. */
static int add(cs__net *net, const cs__spec_row *row, int x, int shortcut)
{
    const cs__act_shape a = net->acts[x], b = net->acts[shortcut];
    if (row->stride > 1 || a.c != b.c || a.h != b.h || a.w != b.w) {
        char name[CS__NET_NAME_MAX];
        snprintf(name, sizeof name, "%s.0", row->name ? row->name : "shortcut");
        shortcut = cs__net_conv(net, shortcut, name, a.c, 1, row->stride > 1 ? row->stride : 1, 0, false);
        snprintf(name, sizeof name, "%s.1", row->name ? row->name : "shortcut");
        shortcut = cs__net_bn(net, shortcut, name);
    }
    return cs__net_add(net, x, shortcut);
}

/* The row's conv or linear output channels. */
static int channels_of(const cs__net *net, const cs__spec_row *row, int x, int k, double width)
{
    if (row->expand > 0)
        return row->expand * net->acts[x].c;
    return row->channels == CS__SPEC_CLASSES ? k : cs__model_scale(row->channels, width);
}

static int pad_of(const cs__net *net, const cs__spec_row *row, int x)
{
    if (!(row->flags & CS__SPEC_PAD_TO_32))
        return row->pad;
    const int side = net->acts[x].h < net->acts[x].w ? net->acts[x].h : net->acts[x].w;
    const int pad = side < 32 ? (32 - side) / 2 : 0;
    return pad < row->pad ? pad : row->pad;
}

int cs__spec_build(cs__net *net, const cs__arch_spec *spec, int k, double width)
{
    int regs[CS__SPEC_REGISTERS];
    for (int i = 0; i < CS__SPEC_REGISTERS; i++)
        regs[i] = -1;
    int x = 0; /* the input activation of cs__net_init */
    for (int r = 0; spec->rows[r].kind != CS__SPEC_END && x >= 0; r++) {
        const cs__spec_row *row = &spec->rows[r];
        switch (row->kind) {
        case CS__SPEC_SAVE:
            if (!valid_reg(row->reg))
                return bad_row(net, spec, r, "register out of range");
            regs[row->reg] = x;
            break;
        case CS__SPEC_LOAD:
        case CS__SPEC_ADD:
            if (!valid_reg(row->reg) || regs[row->reg] < 0)
                return bad_row(net, spec, r, "register not saved");
            x = row->kind == CS__SPEC_LOAD ? regs[row->reg] : add(net, row, x, regs[row->reg]);
            break;
        case CS__SPEC_CONCAT: {
            int in[CS__NET_MAX_INPUTS];
            if (row->n_regs < 1 || row->n_regs > CS__NET_MAX_INPUTS - 1)
                return bad_row(net, spec, r, "concat of too few or too many registers");
            for (int i = 0; i < row->n_regs; i++) {
                if (!valid_reg(row->regs[i]) || regs[row->regs[i]] < 0)
                    return bad_row(net, spec, r, "register not saved");
                in[i] = regs[row->regs[i]];
            }
            in[row->n_regs] = x;
            x = cs__net_concat(net, in, row->n_regs + 1);
            break;
        }
        default: {
            if (row->kind < 0 || row->kind >= CS__OP_COUNT || row->kind == CS__OP_INPUT)
                return bad_row(net, spec, r, "unknown kind");
            cs__node args = { .k = row->k, .stride = row->stride, .pad = row->pad, .p = row->p,
                              .bias = (row->flags & CS__SPEC_BIAS) != 0 };
            if (row->kind == CS__OP_CONV || row->kind == CS__OP_LINEAR)
                args.c_out = channels_of(net, row, x, k, width);
            if (row->kind == CS__OP_CONV) {
                args.pad = pad_of(net, row, x);
                args.groups = row->groups == CS__SPEC_DEPTHWISE ? net->acts[x].c : row->groups;
            }
            x = cs__net_node(net, (cs__op)row->kind, &x, 1, &args, row->name);
            break;
        }
        }
    }
    return x;
}
