/* The dataset handle: creation from memory, accessors, class names, views, statistics. */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <classsens.h>

#include "fixtures.h"

/* n images of c x h x w with pixel bytes cs_test_byte(1, i) and labels i % k. */
static cs_dataset *make(size_t n, int c, int h, int w, int k)
{
    size_t bytes = n * (size_t)(c * h * w);
    uint8_t *px = malloc(bytes);
    int32_t *lab = malloc(n * sizeof *lab);
    for (size_t i = 0; i < bytes; i++)
        px[i] = cs_test_byte(1, i);
    for (size_t i = 0; i < n; i++)
        lab[i] = (int32_t)(i % (size_t)k);
    cs_dataset *ds = NULL;
    cs_assert_ok(cs_dataset_from_memory(&ds, px, lab, n, c, h, w, k));
    free(px);
    free(lab);
    return ds;
}

START_TEST(from_memory_copies_pixels_and_labels)
{
    uint8_t px[3 * 2 * 2 * 2];
    int32_t lab[3] = { 2, 0, 1 };
    for (size_t i = 0; i < sizeof px; i++)
        px[i] = (uint8_t)i;
    cs_dataset *ds = NULL;
    cs_assert_ok(cs_dataset_from_memory(&ds, px, lab, 3, 2, 2, 2, 3));
    memset(px, 0xAB, sizeof px); /* the data set keeps its own copy */
    lab[0] = 0;
    int c, h, w;
    cs_dataset_shape(&c, &h, &w, ds);
    ck_assert_int_eq(c, 2);
    ck_assert_int_eq(h, 2);
    ck_assert_int_eq(w, 2);
    ck_assert_uint_eq(cs_dataset_size(ds), 3);
    ck_assert_int_eq(cs_dataset_num_classes(ds), 3);
    ck_assert_int_eq(cs_dataset_label(ds, 0), 2);
    ck_assert_int_eq(cs_dataset_labels(ds)[2], 1);
    ck_assert_uint_eq(cs_dataset_image(ds, 1)[0], 8);
    ck_assert_uint_eq(cs_dataset_image(ds, 2)[7], 23);
    ck_assert_uint_eq(cs_dataset_source_index(ds, 2), 2);
    ck_assert_str_eq(cs_dataset_class_name(ds, 0), "0");
    ck_assert_str_eq(cs_dataset_class_name(ds, 2), "2");
    cs_dataset_destroy(ds);
}
END_TEST

START_TEST(from_memory_rejects_bad_input)
{
    uint8_t px[16] = { 0 };
    int32_t lab[4] = { 0, 1, 0, 1 };
    cs_dataset *ds = (cs_dataset *)&ds;
    cs_assert_fails(cs_dataset_from_memory(NULL, px, lab, 4, 1, 2, 2, 2), CS_ERR_INVALID_ARGUMENT, "out");
    cs_assert_fails(cs_dataset_from_memory(&ds, NULL, lab, 4, 1, 2, 2, 2), CS_ERR_INVALID_ARGUMENT, "pixels");
    ck_assert_ptr_null(ds); /* *out is cleared on failure */
    cs_assert_fails(cs_dataset_from_memory(&ds, px, NULL, 4, 1, 2, 2, 2), CS_ERR_INVALID_ARGUMENT, "labels");
    cs_assert_fails(cs_dataset_from_memory(&ds, px, lab, 0, 1, 2, 2, 2), CS_ERR_INVALID_ARGUMENT, "n=0");
    cs_assert_fails(cs_dataset_from_memory(&ds, px, lab, 4, 0, 2, 2, 2), CS_ERR_INVALID_ARGUMENT, "c=0");
    cs_assert_fails(cs_dataset_from_memory(&ds, px, lab, 4, 1, -2, 2, 2), CS_ERR_INVALID_ARGUMENT, "h=-2");
    cs_assert_fails(cs_dataset_from_memory(&ds, px, lab, 4, 1, 2, 2, 1), CS_ERR_INVALID_ARGUMENT, "num_classes is 1");
    cs_assert_fails(cs_dataset_from_memory(&ds, px, lab, 4, 1, 2, 2, 70000), CS_ERR_INVALID_ARGUMENT, "num_classes is 70000");
    /* Shape is checked before any array is read, so a lying n cannot make it read past them. */
    cs_assert_fails(cs_dataset_from_memory(&ds, px, lab, SIZE_MAX / 2, 1000, 1000, 1000, 2),
                    CS_ERR_OVERFLOW, "overflow");
    lab[3] = 2;
    cs_assert_fails(cs_dataset_from_memory(&ds, px, lab, 4, 1, 2, 2, 2), CS_ERR_OUT_OF_RANGE, "labels[3] is 2");
    lab[3] = -1;
    cs_assert_fails(cs_dataset_from_memory(&ds, px, lab, 4, 1, 2, 2, 2), CS_ERR_OUT_OF_RANGE, "labels[3] is -1");
    ck_assert_ptr_null(ds);
}
END_TEST

START_TEST(accessors_tolerate_null_and_out_of_range)
{
    cs_dataset *ds = make(5, 1, 2, 2, 2);
    ck_assert_uint_eq(cs_dataset_size(NULL), 0);
    ck_assert_int_eq(cs_dataset_num_classes(NULL), 0);
    int c = 9, h = 9, w = 9;
    cs_dataset_shape(&c, &h, &w, NULL);
    ck_assert(c == 0 && h == 0 && w == 0);
    cs_dataset_shape(NULL, NULL, NULL, ds);
    ck_assert_int_eq(cs_dataset_label(ds, 5), -1);
    ck_assert_int_eq(cs_dataset_label(NULL, 0), -1);
    ck_assert_ptr_null(cs_dataset_image(ds, 5));
    ck_assert_ptr_null(cs_dataset_image(NULL, 0));
    ck_assert_ptr_null(cs_dataset_labels(NULL));
    ck_assert_uint_eq(cs_dataset_source_index(ds, 5), SIZE_MAX);
    ck_assert_ptr_null(cs_dataset_class_name(ds, 2));
    ck_assert_ptr_null(cs_dataset_class_name(ds, -1));
    ck_assert_ptr_null(cs_dataset_class_name(NULL, 0));
    cs_dataset_destroy(NULL);
    cs_dataset_destroy(ds);
}
END_TEST

START_TEST(class_names_can_be_set_and_are_inherited_by_views)
{
    cs_dataset *ds = make(4, 1, 1, 1, 2), *view = NULL;
    const char *names[2] = { "cat", "dog" };
    cs_assert_ok(cs_dataset_set_class_names(ds, names, 2));
    ck_assert_str_eq(cs_dataset_class_name(ds, 1), "dog");
    cs_assert_ok(cs_dataset_view(&view, ds, NULL, 2, NULL));
    const char *renamed[2] = { "feline", "canine" };
    cs_assert_ok(cs_dataset_set_class_names(ds, renamed, 2)); /* the view keeps its copy */
    ck_assert_str_eq(cs_dataset_class_name(view, 0), "cat");
    ck_assert_str_eq(cs_dataset_class_name(ds, 0), "feline");
    cs_assert_fails(cs_dataset_set_class_names(ds, names, 3), CS_ERR_SIZE_MISMATCH, "3 names");
    const char *holes[2] = { "a", "" };
    cs_assert_fails(cs_dataset_set_class_names(ds, holes, 2), CS_ERR_INVALID_ARGUMENT, "names[1] is empty");
    holes[1] = NULL;
    cs_assert_fails(cs_dataset_set_class_names(ds, holes, 2), CS_ERR_INVALID_ARGUMENT, "names[1] is NULL");
    cs_assert_fails(cs_dataset_set_class_names(NULL, names, 2), CS_ERR_INVALID_ARGUMENT, "ds");
    ck_assert_str_eq(cs_dataset_class_name(ds, 1), "canine"); /* failures change nothing */
    cs_dataset_destroy(view);
    cs_dataset_destroy(ds);
}
END_TEST

START_TEST(views_share_pixels_and_own_labels)
{
    cs_dataset *ds = make(10, 1, 3, 3, 5), *v = NULL, *vv = NULL;
    size_t idx[4] = { 9, 2, 2, 7 };
    int32_t lab[4] = { 4, 4, 0, 1 };
    cs_assert_ok(cs_dataset_view(&v, ds, idx, 4, lab));
    ck_assert_uint_eq(cs_dataset_size(v), 4);
    ck_assert_int_eq(cs_dataset_num_classes(v), 5);
    ck_assert_ptr_eq(cs_dataset_image(v, 0), cs_dataset_image(ds, 9)); /* shared, not copied */
    ck_assert_ptr_eq(cs_dataset_image(v, 2), cs_dataset_image(ds, 2));
    ck_assert_int_eq(cs_dataset_label(v, 0), 4);
    ck_assert_int_eq(cs_dataset_label(ds, 9), 4); /* 9 % 5 */
    ck_assert_int_eq(cs_dataset_label(v, 3), 1);
    ck_assert_int_eq(cs_dataset_label(ds, 7), 2); /* parent labels untouched */

    /* A view of a view resolves to the original records; NULL labels inherit. */
    size_t idx2[2] = { 3, 0 };
    cs_assert_ok(cs_dataset_view(&vv, v, idx2, 2, NULL));
    ck_assert_uint_eq(cs_dataset_source_index(vv, 0), 7);
    ck_assert_uint_eq(cs_dataset_source_index(vv, 1), 9);
    ck_assert_int_eq(cs_dataset_label(vv, 0), 1);
    ck_assert_int_eq(cs_dataset_label(vv, 1), 4);

    /* Destroying the parents first leaves the view valid (ASan checks the reads). */
    const uint8_t expect = cs_dataset_image(ds, 7)[8];
    cs_dataset_destroy(ds);
    cs_dataset_destroy(v);
    ck_assert_uint_eq(cs_dataset_image(vv, 0)[8], expect);
    cs_dataset_destroy(vv);
}
END_TEST

START_TEST(view_without_index_list_is_a_prefix)
{
    cs_dataset *ds = make(6, 1, 1, 2, 3), *v = NULL;
    cs_assert_ok(cs_dataset_view(&v, ds, NULL, 4, NULL));
    ck_assert_uint_eq(cs_dataset_size(v), 4);
    for (size_t i = 0; i < 4; i++) {
        ck_assert_uint_eq(cs_dataset_source_index(v, i), i);
        ck_assert_int_eq(cs_dataset_label(v, i), cs_dataset_label(ds, i));
    }
    cs_dataset_destroy(v);
    cs_dataset_destroy(ds);
}
END_TEST

START_TEST(view_rejects_bad_input)
{
    cs_dataset *ds = make(6, 1, 1, 2, 3), *v = (cs_dataset *)&v;
    size_t idx[3] = { 0, 6, 1 };
    int32_t lab[3] = { 0, 1, 3 };
    cs_assert_fails(cs_dataset_view(NULL, ds, NULL, 1, NULL), CS_ERR_INVALID_ARGUMENT, "out");
    cs_assert_fails(cs_dataset_view(&v, NULL, NULL, 1, NULL), CS_ERR_INVALID_ARGUMENT, "parent");
    ck_assert_ptr_null(v);
    cs_assert_fails(cs_dataset_view(&v, ds, NULL, 0, NULL), CS_ERR_INVALID_ARGUMENT, "n is 0");
    cs_assert_fails(cs_dataset_view(&v, ds, NULL, 7, NULL), CS_ERR_OUT_OF_RANGE, "only 6 records");
    cs_assert_fails(cs_dataset_view(&v, ds, idx, 3, NULL), CS_ERR_OUT_OF_RANGE, "indices[1] is 6");
    idx[1] = 5;
    cs_assert_fails(cs_dataset_view(&v, ds, idx, 3, lab), CS_ERR_OUT_OF_RANGE, "labels[2] is 3");
    ck_assert_ptr_null(v);
    cs_dataset_destroy(ds);
}
END_TEST

START_TEST(class_counts_follow_the_labels)
{
    cs_dataset *ds = make(11, 1, 1, 1, 4), *v = NULL;
    size_t counts[4];
    cs_assert_ok(cs_dataset_class_counts(counts, 4, ds));
    ck_assert_uint_eq(counts[0], 3);
    ck_assert_uint_eq(counts[2], 3);
    ck_assert_uint_eq(counts[3], 2);
    int32_t lab[3] = { 3, 3, 3 };
    cs_assert_ok(cs_dataset_view(&v, ds, NULL, 3, lab));
    cs_assert_ok(cs_dataset_class_counts(counts, 4, v));
    ck_assert(counts[0] == 0 && counts[1] == 0 && counts[2] == 0 && counts[3] == 3);
    cs_assert_fails(cs_dataset_class_counts(counts, 3, ds), CS_ERR_SIZE_MISMATCH, "4 classes");
    cs_assert_fails(cs_dataset_class_counts(NULL, 4, ds), CS_ERR_INVALID_ARGUMENT, "counts");
    cs_dataset_destroy(v);
    cs_dataset_destroy(ds);
}
END_TEST

START_TEST(channel_stats_are_exact)
{
    /* Channel 0: half 0, half 255 -> mean 0.5, std 0.5. Channel 1: all 51 -> 0.2, 0. */
    uint8_t px[2 * 2 * 1 * 2] = { 0, 255, 51, 51, 255, 0, 51, 51 };
    int32_t lab[2] = { 0, 1 };
    cs_dataset *ds = NULL;
    cs_assert_ok(cs_dataset_from_memory(&ds, px, lab, 2, 2, 1, 2, 2));
    double mean[2], sd[2];
    cs_assert_ok(cs_dataset_channel_stats(mean, sd, 2, ds));
    ck_assert_double_eq_tol(mean[0], 0.5, 1e-15);
    ck_assert_double_eq_tol(sd[0], 0.5, 1e-15);
    ck_assert_double_eq_tol(mean[1], 0.2, 1e-15);
    ck_assert_double_eq_tol(sd[1], 0.0, 1e-15);
    cs_assert_fails(cs_dataset_channel_stats(mean, sd, 1, ds), CS_ERR_SIZE_MISMATCH, "2 channels");
    cs_assert_fails(cs_dataset_channel_stats(NULL, sd, 2, ds), CS_ERR_INVALID_ARGUMENT, "mean");
    cs_dataset_destroy(ds);
}
END_TEST

START_TEST(channel_stats_match_a_direct_computation)
{
    /* Large enough planes to exercise the partial-sum flushing (plane of 5000 pixels). */
    cs_dataset *ds = make(7, 3, 50, 100, 2), *v = NULL;
    size_t idx[4] = { 6, 6, 1, 3 };
    cs_assert_ok(cs_dataset_view(&v, ds, idx, 4, NULL));
    double mean[3], sd[3];
    cs_assert_ok(cs_dataset_channel_stats(mean, sd, 3, v));
    for (int ch = 0; ch < 3; ch++) {
        double s = 0, s2 = 0, count = 4.0 * 5000;
        for (size_t i = 0; i < 4; i++)
            for (size_t j = 0; j < 5000; j++) {
                double x = cs_dataset_image(v, i)[ch * 5000 + j] / 255.0;
                s += x;
                s2 += x * x;
            }
        double m = s / count;
        ck_assert_double_eq_tol(mean[ch], m, 1e-12);
        ck_assert_double_eq_tol(sd[ch], sqrt(s2 / count - m * m), 1e-9);
    }
    cs_dataset_destroy(v);
    cs_dataset_destroy(ds);
}
END_TEST

static void *churn_views(void *arg)
{
    const cs_dataset *parent = arg;
    for (int i = 0; i < 500; i++) {
        cs_dataset *v = NULL;
        size_t idx[2] = { (size_t)i % 8, 3 };
        if (cs_dataset_view(&v, parent, idx, 2, NULL) != CS_OK)
            return NULL;
        cs_dataset_destroy(v);
    }
    return arg;
}

START_TEST(views_can_be_made_from_many_threads)
{
    cs_dataset *ds = make(8, 1, 4, 4, 2);
    pthread_t th[4];
    for (int t = 0; t < 4; t++)
        ck_assert_int_eq(pthread_create(&th[t], NULL, churn_views, ds), 0);
    for (int t = 0; t < 4; t++) {
        void *ok = NULL;
        pthread_join(th[t], &ok);
        ck_assert_ptr_nonnull(ok);
    }
    ck_assert_uint_eq(cs_dataset_image(ds, 7)[0], cs_test_byte(1, 7 * 16));
    cs_dataset_destroy(ds);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("dataset");
    TCase *tc = tcase_create("dataset");
    tcase_add_test(tc, from_memory_copies_pixels_and_labels);
    tcase_add_test(tc, from_memory_rejects_bad_input);
    tcase_add_test(tc, accessors_tolerate_null_and_out_of_range);
    tcase_add_test(tc, class_names_can_be_set_and_are_inherited_by_views);
    tcase_add_test(tc, views_share_pixels_and_own_labels);
    tcase_add_test(tc, view_without_index_list_is_a_prefix);
    tcase_add_test(tc, view_rejects_bad_input);
    tcase_add_test(tc, class_counts_follow_the_labels);
    tcase_add_test(tc, channel_stats_are_exact);
    tcase_add_test(tc, channel_stats_match_a_direct_computation);
    tcase_add_test(tc, views_can_be_made_from_many_threads);
    suite_add_tcase(s, tc);
    return cs_test_run(s);
}
