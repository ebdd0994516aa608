/* torch.optim.SGD and the learning-rate schedules of torch.optim.lr_scheduler, reproduced
 * from PyTorch 1.13's own arithmetic so that a run here follows the same trajectory. */
#include <math.h>

#include "tensor/clones.h"
#include "tensor/kernels.h"

/* PyTorch 1.13's _single_tensor_sgd (the default; foreach is off unless asked for) makes each
 * update with Tensor.add(other, alpha=a), whose CPU kernel is vec::fmadd(other, a, self): a
 * fused multiply-add with the scalar rounded to float. fmaf reproduces it to the bit (checked
 * against torch 1.13.1 on an AVX2 CPU by tests/reference/optim_reference.py); a separate
 * multiply and add would differ by an ulp here and there, and over thousands of steps the
 * trajectories would drift apart. buf.mul_(momentum) is a plain float product. */
/* One element's update: returns the new parameter and stores the new momentum in *b_out. */
static inline float sgd_update(float p, float b_in, float g, float *b_out, float neg_lr, float momentum,
                               float keep, float weight_decay, bool nesterov, bool first_step)
{
    float d = g;
    /* Skipped at 0, as in PyTorch: 0 * param would turn an infinite parameter into NaN. */
    if (weight_decay != 0.0f)
        d = fmaf(p, weight_decay, d);
    if (momentum != 0.0f) {
        /* The first step clones d into the buffer (no dampening), as PyTorch does when the
         * buffer does not exist yet. */
        float b = first_step ? d : fmaf(d, keep, b_in * momentum);
        *b_out = b;
        d = nesterov ? fmaf(b, momentum, d) : b;
    }
    return fmaf(d, neg_lr, p);
}

CS_CLONES static void sgd_step_clones(float *param /* (count) */, float *buf /* (count) */,
                  const float *grad /* (count) */, size_t count, float lr, float momentum,
                  float dampening, float weight_decay, bool nesterov, bool first_step)
{
    const float neg_lr = -lr, keep = 1.0f - dampening;
    for (size_t i = 0; i < count; i++) {
        /* buf is untouched (and may be NULL) without momentum. */
        float b = 0.0f;
        float b_in = momentum != 0.0f && !first_step ? buf[i] : 0.0f;
        param[i] = sgd_update(param[i], b_in, grad[i], &b, neg_lr, momentum, keep, weight_decay, nesterov,
                              first_step);
        if (momentum != 0.0f)
            buf[i] = b;
    }
}

void cs__sgd_step(float *param /* (count) */, float *buf /* (count) */,
                  const float *grad /* (count) */, size_t count, float lr, float momentum,
                  float dampening, float weight_decay, bool nesterov, bool first_step)
{
    sgd_step_clones(param, buf, grad, count, lr, momentum, dampening, weight_decay, nesterov, first_step);
}

bool cs__sgd_step_is_finite(const float *param, const float *buf, const float *grad, size_t count, float lr,
                            float momentum, float dampening, float weight_decay, bool nesterov, bool first_step)
{
    const float neg_lr = -lr, keep = 1.0f - dampening;
    for (size_t i = 0; i < count; i++) {
        float b = 0.0f;
        float b_in = momentum != 0.0f && !first_step ? buf[i] : 0.0f;
        float p = sgd_update(param[i], b_in, grad[i], &b, neg_lr, momentum, keep, weight_decay, nesterov, first_step);
        if (!isfinite(p) || !isfinite(b))
            return false;
    }
    return true;
}

/* LinearLR(start_factor, end_factor = 1, total_iters = warm) at epoch e < warm. PyTorch
 * evaluates it as a chain, each epoch multiplying the previous rate by a ratio; the same
 * chain, in the same operation order, gives the same doubles rather than ones an ulp away. */
static double warmup_lr(double base, double start, int warm, int epoch)
{
    double lr = base * start;
    for (int e = 1; e <= epoch; e++)
        lr = lr * (1.0 + (1.0 - start) / ((double)warm * start + (double)(e - 1) * (1.0 - start)));
    return lr;
}

/* StepLR at epoch t of the main schedule: PyTorch multiplies the current rate by gamma at
 * every multiple of step_size, so the rate is base * gamma * gamma * ... rounded after each
 * product, which pow(gamma, k) would not reproduce exactly. step_size <= 0 (a division by
 * zero in PyTorch) means no decay. */
static double step_lr(double base, double gamma, int step_size, int t)
{
    double lr = base;
    if (step_size <= 0)
        return lr;
    for (int k = step_size; k <= t; k += step_size)
        lr *= gamma;
    return lr;
}

/* CosineAnnealingLR's closed form, written in the operation order of PyTorch's
 * _get_closed_form_lr. PyTorch's per-epoch chain computes the same curve to within a few
 * ulps of the rate. Past T the cosine rises again with period 2T, exactly as PyTorch's chain
 * does (it has a branch for that); a trainer that runs total_epochs epochs stops at t = T - 1
 * and never gets there. T <= 0 (no epochs left after warm-up; a division by zero in PyTorch)
 * leaves the rate at base: there is nothing to anneal over. */
static double cosine_lr(double base, double eta_min, int t_max, int t)
{
    static const double pi = 3.141592653589793; /* math.pi, the double nearest pi */
    if (t_max <= 0)
        return base;
    return eta_min + (base - eta_min) * (1.0 + cos(pi * (double)t / (double)t_max)) / 2.0;
}

/* Epochs are 0-based like PyTorch's last_epoch after construction; a negative epoch is read
 * as 0. This is SequentialLR([LinearLR, main], milestones=[warmup_epochs]): the main schedule
 * is restarted at the milestone (PyTorch calls its step(0)), so it counts t = epoch - warmup
 * and the warm-up never quite reaches base (its last epoch is base * (start + (1 - start)
 * (W - 1) / W)); the main schedule starts at base. warmup_epochs <= 0 means no warm-up. */
double cs__lr_at(const cs__lr_schedule *s, int epoch)
{
    int warm = s->warmup_epochs > 0 ? s->warmup_epochs : 0;
    if (epoch < 0)
        epoch = 0;
    if (epoch < warm)
        return warmup_lr(s->base_lr, s->warmup_start, warm, epoch);
    int t = epoch - warm;
    switch (s->kind) {
    case CS__LR_STEP:
        return step_lr(s->base_lr, s->gamma, s->step_size, t);
    case CS__LR_COSINE:
        return cosine_lr(s->base_lr, s->eta_min, s->total_epochs - warm, t);
    case CS__LR_CONSTANT:
    default:
        return s->base_lr;
    }
}
