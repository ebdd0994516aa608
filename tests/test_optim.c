/* The optimiser kernels of lib/tensor/optim.c against PyTorch 1.13: torch.optim.SGD and the
 * learning-rate schedulers.
 *
 * Every table below was printed by tests/reference/optim_reference.py with torch 1.13.1
 * (Debian 12's python3-torch 1.13.1+dfsg-4, CPU capability AVX2) and pasted unchanged.
 *
 * Tolerances:
 * - SGD: 0 ulps. PyTorch's CPU add(other, alpha) is a fused multiply-add on AVX2 and AVX-512
 *   (vec::fmadd); cs__sgd_step uses fmaf, which C requires to be correctly rounded, so the
 *   same float operations on the same floats give the same bits on any IEEE platform that
 *   evaluates float in float (FLT_EVAL_METHOD 0, as x86-64 and AArch64 do). The script checks
 *   that unfusing any one of the multiply-adds would miss these numbers somewhere, so "a few
 *   ulps" would let exactly the error we care about through. (PyTorch's own scalar fallback,
 *   ATEN_CPU_CAPABILITY=default, does not fuse and differs from these by an ulp.)
 * - StepLR and LinearLR: 0 ulps; cs__lr_at replays PyTorch's chained products in its order.
 * - CosineAnnealingLR: cs__lr_at uses the closed form, PyTorch a per-epoch chain whose
 *   rounding accumulates: within 2 ulps up to T_max, then drifting by about an ulp per epoch
 *   (the largest gap in these tables is 4.5e-15 of the base rate, at epoch 20). The tolerance
 *   is 64 DBL_EPSILON of the base rate, about 3x the largest gap seen. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fixtures.h"
#include "tensor/kernels.h"

#define P 12 /* parameters in each fixture */

/* ---- reference: optim_reference.py, pasted as printed ------------------------------------ */

/* sgd_momentum: lr 0.1, momentum 0.9, dampening 0.0, weight_decay 0.0005, nesterov False */
static const float sgd_momentum_param[3][12] = {
    { 0.489975f, -1.2699375f, 2.0299f, -0.040000003f, -0.37498096f, 3.0814357f,
      0.089999f, 0.0009997f, 0.189995f, -0.39998502f, 7.4996247f, -0.18249689f },
    { 0.505928f, -1.3003178f, 2.0234087f, -0.009297999f, -0.37994507f, 3.0271404f,
      -0.09700642f, 0.17599939f, 0.27098098f, -0.5349515f, 7.4989147f, -0.32048497f },
    { 0.3702604f, -1.322595f, 2.0104651f, 0.018334199f, -0.37139377f, 2.9611232f,
      -0.24630645f, 0.3104903f, 0.3148548f, -0.6563942f, 7.460901f, -0.4036582f },
};
static const float sgd_momentum_buf[3][12] = {
    { 0.10025f, 0.199375f, -0.29900002f, 0.4f, -0.00019050001f, 0.60157084f,
      -0.69999f, 0.0000029999999f, -0.89994997f, 0.99985f, 0.0037525003f, 1.1999688f },
    { -0.15953001f, 0.30380255f, 0.06491494f, -0.30702004f, 0.04964106f, 0.54295343f,
      1.8700541f, -1.7499968f, -0.80985963f, 1.3496649f, 0.007102063f, 1.3798807f },
    { 1.356676f, 0.22277214f, 0.12943515f, -0.27632198f, -0.08551301f, 0.6601716f,
      1.4930003f, -1.3449091f, -0.4387382f, 1.214427f, 0.38014132f, 0.83173233f },
};
/* sgd_nesterov: lr 0.1, momentum 0.9, dampening 0.0, weight_decay 0.0005, nesterov True */
static const float sgd_nesterov_param[3][12] = {
    { 0.4809525f, -1.2878813f, 2.05681f, -0.076f, -0.3749638f, 3.0272942f,
      0.1529981f, 0.0009994301f, 0.2709905f, -0.48997152f, 7.499287f, -0.29049405f },
    { 0.52028656f, -1.3276583f, 2.0175636f, 0.01833723f, -0.38441274f, 2.9782796f,
      -0.26531726f, 0.33349907f, 0.34386063f, -0.65641284f, 7.4982753f, -0.4446639f },
    { 0.24815942f, -1.3426394f, 1.9988127f, 0.043205436f, -0.36369714f, 2.9017196f,
      -0.380669f, 0.43151712f, 0.35432333f, -0.7656689f, 7.4266877f, -0.47848764f },
};
static const float sgd_nesterov_buf[3][12] = {
    { 0.10025f, 0.199375f, -0.29900002f, 0.4f, -0.00019050001f, 0.60157084f,
      -0.69999f, 0.0000029999999f, -0.89994997f, 0.99985f, 0.0037525003f, 1.1999688f },
    { -0.15953453f, 0.30379355f, 0.06492841f, -0.30703804f, 0.04964107f, 0.5429264f,
      1.8700856f, -1.7499968f, -0.80981916f, 1.34962f, 0.007101894f, 1.3798267f },
    { 1.3566791f, 0.22275037f, 0.12944435f, -0.27632436f, -0.085515246f, 0.6601229f,
      1.4929444f, -1.3448303f, -0.43866533f, 1.2143257f, 0.38014084f, 0.83162165f },
};
/* sgd_dampening: lr 0.05, momentum 0.9, dampening 0.1, weight_decay 0.0005, nesterov False */
static const float sgd_dampening_param[3][12] = {
    { 0.4949875f, -1.2599688f, 2.01495f, -0.020000001f, -0.37499046f, 3.111514f,
      0.0549995f, 0.0009998501f, 0.1449975f, -0.3499925f, 7.4998126f, -0.122498445f },
    { 0.5017151f, -1.2745373f, 2.0133748f, -0.007984551f, -0.37722346f, 3.0843735f,
      -0.026002182f, 0.079749696f, 0.18549198f, -0.4152279f, 7.499476f, -0.18999429f },
    { 0.44025868f, -1.2853703f, 2.0087616f, 0.002829503f, -0.37337467f, 3.0522275f,
      -0.09035311f, 0.14027277f, 0.20888284f, -0.4739302f, 7.482354f, -0.23228627f },
};
static const float sgd_dampening_buf[3][12] = {
    { 0.10025f, 0.199375f, -0.29900002f, 0.4f, -0.00019050001f, 0.60157084f,
      -0.69999f, 0.0000029999999f, -0.89994997f, 0.99985f, 0.0037525003f, 1.1999688f },
    { -0.13455226f, 0.2913705f, 0.031506706f, -0.24030901f, 0.044659805f, 0.542813f,
      1.6200336f, -1.5749968f, -0.80988944f, 1.3047074f, 0.006729666f, 1.3499168f },
    { 1.2291287f, 0.21665992f, 0.09226205f, -0.21628107f, -0.07697593f, 0.64291966f,
      1.2870185f, -1.2104613f, -0.46781704f, 1.1740462f, 0.34243146f, 0.84583956f },
};
/* sgd_plain: lr 0.1, momentum 0.0, dampening 0.0, weight_decay 0.0, nesterov False */
static const float sgd_plain_param[3][12] = {
    { 0.49f, -1.27f, 2.03f, -0.040000003f, -0.3749997f, 3.0815928f,
      0.089999996f, 0.0009997501f, 0.19f, -0.4f, 7.4999995f, -0.1825f },
    { 0.515f, -1.2825f, 1.9966999f, 0.026699997f, -0.3799997f, 3.0815928f,
      -0.16000001f, 0.17599975f, 0.18999997f, -0.445f, 7.500002f, -0.2125f },
    { 0.36499998f, -1.2775f, 1.9897f, 0.026699927f, -0.3669997f, 3.0645928f,
      -0.14100002f, 0.15299974f, 0.16099997f, -0.4449996f, 7.4630017f, -0.17150001f },
};
static const float param0[12] =
    { 0.5f, -1.25f, 2.0f, 0.0f, -0.375f, 3.1415927f,
      0.02f, 0.001f, 0.1f, -0.3f, 7.5f, -0.0625f };
static const float grads[3][12] = {
    { 0.1f, 0.2f, -0.3f, 0.4f, -0.000003f, 0.6f,
      -0.7f, 0.0000025f, -0.9f, 1.0f, 0.0000025f, 1.2f },
    { -0.25f, 0.125f, 0.333f, -0.667f, 0.05f, -0.000001f,
      2.5f, -1.75f, 0.0000003f, 0.45f, -0.000025f, 0.3f },
    { 1.5f, -0.05f, 0.07f, 0.0000007f, -0.13f, 0.17f,
      -0.19f, 0.23f, 0.29f, -0.000004f, 0.37f, -0.41f },
};
/* cosine, base 0.1, T_max 10, eta_min 1e-3, 25 epochs (past T_max) */
static const double lr_cosine[25] = {
    0.1, 0.09757729755661011, 0.0905463412215599, 0.07959536998847742,
    0.0657963412215599, 0.0505, 0.03520365877844011, 0.02140463001152259,
    0.010453658778440109, 0.0034227024433899004, 0.001, 0.0034227024433899004,
    0.01045365877844014, 0.02140463001152267, 0.035203658778440255, 0.05050000000000022,
    0.06579634122156018, 0.07959536998847777, 0.09054634122156031, 0.09757729755661054,
    0.10000000000000045, 0.09757729755661054, 0.09054634122156033, 0.07959536998847778,
    0.0657963412215602,
};
/* step, base 0.1, step_size 3, gamma 0.1, 12 epochs */
static const double lr_step[12] = {
    0.1, 0.1, 0.1, 0.010000000000000002,
    0.010000000000000002, 0.010000000000000002, 0.0010000000000000002, 0.0010000000000000002,
    0.0010000000000000002, 0.00010000000000000003, 0.00010000000000000003, 0.00010000000000000003,
};
/* LinearLR(0.1, 5) then cosine T_max 20 - 5, eta_min 0, base 0.1 */
static const double lr_warm_cosine[20] = {
    0.010000000000000002, 0.028000000000000004, 0.046000000000000006, 0.064,
    0.082, 0.1, 0.09890738003669029, 0.09567727288213004,
    0.09045084971874738, 0.08345653031794292, 0.07500000000000001, 0.06545084971874739,
    0.05522642316338269, 0.04477357683661735, 0.03454915028125265, 0.02500000000000002,
    0.01654346968205711, 0.009549150281252635, 0.004322727117869953, 0.001092619963309716,
};
/* LinearLR(0.25, 3) then step 4, gamma 0.5, base 0.05 */
static const double lr_warm_step[15] = {
    0.0125, 0.025, 0.037500000000000006, 0.05,
    0.05, 0.05, 0.05, 0.025,
    0.025, 0.025, 0.025, 0.0125,
    0.0125, 0.0125, 0.0125,
};
/* LinearLR(1/3, 4) alone (warm-up into a constant), base 0.3 */
static const double lr_warm_constant[9] = {
    0.09999999999999999, 0.15, 0.2, 0.25,
    0.3, 0.3, 0.3, 0.3,
    0.3,
};

/* ---- helpers ----------------------------------------------------------------------------- */

/* Distance in representable floats (0 and -0 coincide). */
static int64_t float_ulps(float a, float b)
{
    int32_t ia, ib;
    memcpy(&ia, &a, sizeof ia);
    memcpy(&ib, &b, sizeof ib);
    /* Map the sign-magnitude bit patterns onto one monotone integer line. */
    int64_t la = ia < 0 ? (int64_t)INT32_MIN - ia : ia;
    int64_t lb = ib < 0 ? (int64_t)INT32_MIN - ib : ib;
    return la > lb ? la - lb : lb - la;
}

static void assert_floats_exact(const float *got, const float *want, size_t n, const char *what,
                                int step)
{
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(float_ulps(got[i], want[i]) == 0,
                      "%s after step %d, [%zu]: %.9g, PyTorch %.9g (%lld ulps)", what, step + 1,
                      i, (double)got[i], (double)want[i], (long long)float_ulps(got[i], want[i]));
}

/* Three steps from param0 with grads, comparing the parameters and the momentum buffer after
 * each; the buffer starts as garbage because the first step must overwrite it unread. */
static void check_sgd(const float want[3][P], const float want_buf[3][P], float lr,
                      float momentum, float dampening, float weight_decay, bool nesterov)
{
    float param[P], buf[P], grad[P];
    memcpy(param, param0, sizeof param);
    for (int i = 0; i < P; i++)
        buf[i] = 1e30f;
    for (int s = 0; s < 3; s++) {
        memcpy(grad, grads[s], sizeof grad);
        cs__sgd_step(param, want_buf != NULL ? buf : NULL, grad, P, lr, momentum, dampening,
                     weight_decay, nesterov, s == 0);
        assert_floats_exact(param, want[s], P, "param", s);
        if (want_buf != NULL)
            assert_floats_exact(buf, want_buf[s], P, "momentum buffer", s);
        ck_assert_msg(memcmp(grad, grads[s], sizeof grad) == 0, "the gradient was modified");
    }
}

static cs__lr_schedule schedule(cs__lr_kind kind, double base)
{
    cs__lr_schedule s;
    memset(&s, 0, sizeof s);
    s.kind = kind;
    s.base_lr = base;
    s.warmup_start = 1.0;
    return s;
}

/* Compare epochs 0 .. n-1 with a PyTorch table, within tol (absolute). */
static void check_rates(const cs__lr_schedule *s, const double *want, int n, double tol)
{
    for (int e = 0; e < n; e++) {
        double got = cs__lr_at(s, e);
        ck_assert_msg(fabs(got - want[e]) <= tol, "epoch %d: %.17g, PyTorch %.17g (tolerance %g)",
                      e, got, want[e], tol);
    }
}

/* ---- SGD --------------------------------------------------------------------------------- */

START_TEST(sgd_momentum_matches_torch_bitwise)
{
    check_sgd(sgd_momentum_param, sgd_momentum_buf, 0.1f, 0.9f, 0.0f, 5e-4f, false);
}
END_TEST

START_TEST(sgd_nesterov_matches_torch_bitwise)
{
    check_sgd(sgd_nesterov_param, sgd_nesterov_buf, 0.1f, 0.9f, 0.0f, 5e-4f, true);
}
END_TEST

START_TEST(sgd_dampening_matches_torch_bitwise)
{
    check_sgd(sgd_dampening_param, sgd_dampening_buf, 0.05f, 0.9f, 0.1f, 5e-4f, false);
}
END_TEST

START_TEST(sgd_without_momentum_matches_torch_and_needs_no_buffer)
{
    check_sgd(sgd_plain_param, NULL, 0.1f, 0.0f, 0.0f, 0.0f, false);
}
END_TEST

START_TEST(sgd_zero_weight_decay_leaves_infinite_parameter_alone)
{
    /* PyTorch skips the decay term at weight_decay == 0, so 0 * inf never makes a NaN. */
    float param[2] = { INFINITY, 1.0f };
    float grad[2] = { 0.0f, 0.5f };
    float buf[2] = { 0.0f, 0.0f };
    cs__sgd_step(param, buf, grad, 2, 0.1f, 0.9f, 0.0f, 0.0f, false, true);
    ck_assert(isinf(param[0]) && param[0] > 0.0f);
    ck_assert_float_eq(buf[0], 0.0f);
    ck_assert_float_eq(param[1], fmaf(0.5f, -0.1f, 1.0f));
}
END_TEST

START_TEST(sgd_empty_step_touches_nothing)
{
    float param = 3.0f, buf = 4.0f, grad = 5.0f;
    cs__sgd_step(&param, &buf, &grad, 0, 0.1f, 0.9f, 0.0f, 5e-4f, false, false);
    ck_assert_float_eq(param, 3.0f);
    ck_assert_float_eq(buf, 4.0f);
}
END_TEST

/* ---- learning-rate schedules ------------------------------------------------------------- */

START_TEST(cosine_matches_torch_including_past_t_max)
{
    cs__lr_schedule s = schedule(CS__LR_COSINE, 0.1);
    s.total_epochs = 10;
    s.eta_min = 1e-3;
    check_rates(&s, lr_cosine, 25, 64 * DBL_EPSILON * 0.1);
    /* At T_max the closed form sits on the floor to the last ulp of 1 + cos(pi) = 0. */
    ck_assert_double_eq(cs__lr_at(&s, 10), 1e-3);
}
END_TEST

START_TEST(step_matches_torch_exactly)
{
    cs__lr_schedule s = schedule(CS__LR_STEP, 0.1);
    s.step_size = 3;
    s.gamma = 0.1;
    check_rates(&s, lr_step, 12, 0.0);
}
END_TEST

START_TEST(warmup_then_cosine_matches_torch)
{
    cs__lr_schedule s = schedule(CS__LR_COSINE, 0.1);
    s.total_epochs = 20;
    s.warmup_epochs = 5;
    s.warmup_start = 0.1;
    check_rates(&s, lr_warm_cosine, 5, 0.0); /* the LinearLR chain, replayed */
    check_rates(&s, lr_warm_cosine, 20, 64 * DBL_EPSILON * 0.1);
    ck_assert_double_eq(cs__lr_at(&s, 5), 0.1); /* the main schedule starts at base */
}
END_TEST

START_TEST(warmup_then_step_matches_torch_exactly)
{
    cs__lr_schedule s = schedule(CS__LR_STEP, 0.05);
    s.step_size = 4;
    s.gamma = 0.5;
    s.warmup_epochs = 3;
    s.warmup_start = 0.25;
    check_rates(&s, lr_warm_step, 15, 0.0);
}
END_TEST

START_TEST(warmup_then_constant_matches_torch_exactly)
{
    cs__lr_schedule s = schedule(CS__LR_CONSTANT, 0.3);
    s.warmup_epochs = 4;
    s.warmup_start = 1.0 / 3.0;
    check_rates(&s, lr_warm_constant, 9, 0.0);
}
END_TEST

START_TEST(schedule_edge_cases_are_defined)
{
    cs__lr_schedule s = schedule(CS__LR_COSINE, 0.1);
    s.total_epochs = 10;
    s.eta_min = 1e-3;
    /* A negative epoch reads as epoch 0 (warmup_start is ignored without warm-up). */
    s.warmup_start = 0.5;
    ck_assert_double_eq(cs__lr_at(&s, -3), 0.1);
    /* Past T_max the cosine comes back up, as in PyTorch: period 2 T_max. */
    ck_assert_double_eq_tol(cs__lr_at(&s, 20), 0.1, 1e-15);
    ck_assert_double_eq_tol(cs__lr_at(&s, 13), cs__lr_at(&s, 7), 1e-15);
    /* No epochs left after warm-up (T <= 0): the rate stays at base rather than dividing by
     * zero. */
    s.warmup_epochs = 10;
    s.warmup_start = 0.5;
    ck_assert_double_eq(cs__lr_at(&s, 10), 0.1);
    ck_assert_double_eq(cs__lr_at(&s, 50), 0.1);
    ck_assert_double_eq(cs__lr_at(&s, 0), 0.05);
    ck_assert_double_eq(cs__lr_at(&s, -1), 0.05);
    s.total_epochs = 0;
    s.warmup_epochs = 0;
    ck_assert_double_eq(cs__lr_at(&s, 3), 0.1);
    /* step_size <= 0: no decay. */
    cs__lr_schedule st = schedule(CS__LR_STEP, 0.2);
    st.gamma = 0.5;
    ck_assert_double_eq(cs__lr_at(&st, 100), 0.2);
    /* A negative warm-up count is no warm-up (not a head start on the main schedule). */
    st.step_size = 1;
    st.warmup_epochs = -2;
    st.warmup_start = 0.1;
    ck_assert_double_eq(cs__lr_at(&st, 0), 0.2);
    ck_assert_double_eq(cs__lr_at(&st, 1), 0.1);
}
END_TEST

START_TEST(sgd_finiteness_check_predicts_the_step)
{
    float param[3] = { 1.0f, -2.0f, 0.5f }, buf[3] = { 0.1f, 0.2f, 0.3f }, grad[3] = { 1e30f, -3.0f, 2.0f };
    /* A finite gradient and a learning rate that overflows the parameter. */
    ck_assert(!cs__sgd_step_is_finite(param, buf, grad, 3, 1e10f, 0.9f, 0.0f, 0.0f, false, false));
    /* A momentum buffer that overflows although the parameter stays finite is refused too. */
    float big[3] = { 3e38f, 0.0f, 0.0f }, small[3] = { 3e38f, 0.0f, 0.0f };
    ck_assert(!cs__sgd_step_is_finite(param, big, small, 3, 0.0f, 0.9f, 0.0f, 0.0f, false, false));
    /* A sane step is finite, and the check wrote nothing. */
    grad[0] = 1.0f;
    float p0[3], b0[3];
    memcpy(p0, param, sizeof p0);
    memcpy(b0, buf, sizeof b0);
    ck_assert(cs__sgd_step_is_finite(param, buf, grad, 3, 0.1f, 0.9f, 0.0f, 5e-4f, true, false));
    ck_assert(memcmp(p0, param, sizeof p0) == 0 && memcmp(b0, buf, sizeof b0) == 0);
    cs__sgd_step(param, buf, grad, 3, 0.1f, 0.9f, 0.0f, 5e-4f, true, false);
    for (int i = 0; i < 3; i++)
        ck_assert(isfinite(param[i]) && isfinite(buf[i]));
}
END_TEST

static Suite *optim_suite(void)
{
    Suite *s = suite_create("optim");
    TCase *sgd = tcase_create("sgd");
    tcase_add_test(sgd, sgd_momentum_matches_torch_bitwise);
    tcase_add_test(sgd, sgd_nesterov_matches_torch_bitwise);
    tcase_add_test(sgd, sgd_dampening_matches_torch_bitwise);
    tcase_add_test(sgd, sgd_without_momentum_matches_torch_and_needs_no_buffer);
    tcase_add_test(sgd, sgd_zero_weight_decay_leaves_infinite_parameter_alone);
    tcase_add_test(sgd, sgd_empty_step_touches_nothing);
    tcase_add_test(sgd, sgd_finiteness_check_predicts_the_step);
    suite_add_tcase(s, sgd);
    TCase *lr = tcase_create("lr");
    tcase_add_test(lr, cosine_matches_torch_including_past_t_max);
    tcase_add_test(lr, step_matches_torch_exactly);
    tcase_add_test(lr, warmup_then_cosine_matches_torch);
    tcase_add_test(lr, warmup_then_step_matches_torch_exactly);
    tcase_add_test(lr, warmup_then_constant_matches_torch_exactly);
    tcase_add_test(lr, schedule_edge_cases_are_defined);
    suite_add_tcase(s, lr);
    return s;
}

int main(void)
{
    return cs_test_run(optim_suite());
}
