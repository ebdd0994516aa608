/* libFuzzer target: perturbation spec strings (cs_perturb_spec_parse). A spec that parses must
 * format (cs_perturb_spec_format), the formatted text must parse to a spec that formats the
 * same (studies name their conditions and hash their configuration by it), and applying it to
 * small data sets of 3 and 10 classes must either work with a consistent report or refuse. */
#include <stdlib.h>
#include <string.h>

#include <classsens.h>

#include "fuzz_common.h"

#define RECORDS 60

static cs_dataset *data_of(int k)
{
    uint8_t pixels[RECORDS];
    int32_t labels[RECORDS];
    for (int i = 0; i < RECORDS; i++) {
        pixels[i] = (uint8_t)i;
        labels[i] = i % k;
    }
    cs_dataset *ds = NULL;
    if (cs_dataset_from_memory(&ds, pixels, labels, RECORDS, 1, 1, 1, k) != CS_OK)
        fuzz_fail("cs_dataset_from_memory: %s", cs_last_error());
    return ds;
}

static char *format(const cs_perturb_spec *spec, const char *text)
{
    size_t need = 0;
    (void)cs_perturb_spec_format(NULL, 0, &need, spec);
    if (need < 1)
        fuzz_fail("'%s' parses but cs_perturb_spec_format needs %zu bytes", text, need);
    char *buf = malloc(need);
    if (!buf)
        fuzz_fail("out of memory");
    if (cs_perturb_spec_format(buf, need, NULL, spec) != CS_OK)
        fuzz_fail("'%s' parses but does not format: %s", text, cs_last_error());
    if (strlen(buf) + 1 != need)
        fuzz_fail("'%s' formats as '%s' (%zu bytes) but the size query said %zu", text, buf, strlen(buf) + 1, need);
    return buf;
}

static void apply(const cs_perturb_spec *spec, const cs_dataset *ds, uint64_t seed)
{
    cs_dataset *out = NULL;
    cs_perturb_report *rep = NULL;
    if (cs_perturb_apply(&out, &rep, ds, spec, seed) != CS_OK)
        return;
    const int k = cs_dataset_num_classes(ds);
    size_t before[10], after[10], transitions[100], kept = 0;
    if (cs_perturb_report_class_counts(before, after, k, rep) != CS_OK ||
        cs_perturb_report_transitions(transitions, k, rep) != CS_OK)
        fuzz_fail("report of an applied perturbation: %s", cs_last_error());
    for (int c = 0; c < k; c++)
        kept += after[c];
    if (kept != cs_dataset_size(out) || cs_perturb_report_size_after(rep) != cs_dataset_size(out))
        fuzz_fail("report says %zu records after, class counts %zu, the view has %zu",
                  cs_perturb_report_size_after(rep), kept, cs_dataset_size(out));
    for (size_t i = 0; i < cs_dataset_size(out); i++)
        if (cs_dataset_label(out, i) < 0 || cs_dataset_label(out, i) >= k)
            fuzz_fail("perturbed label %d outside 0..%d", cs_dataset_label(out, i), k - 1);
    cs_perturb_spec *matched = NULL;
    if (cs_perturb_matched_reduction(&matched, rep) == CS_OK)
        cs_perturb_spec_destroy(matched);
    cs_perturb_report_destroy(rep);
    cs_dataset_destroy(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static cs_dataset *three, *ten;
    if (!three) {
        three = data_of(3);
        ten = data_of(10);
    }
    char *text = fuzz_strndup(data, size);
    cs_perturb_spec *spec = NULL;
    if (cs_perturb_spec_parse(&spec, text) != CS_OK) {
        free(text);
        return 0;
    }
    char *once = format(spec, text);
    cs_perturb_spec *again = NULL;
    if (cs_perturb_spec_parse(&again, once) != CS_OK)
        fuzz_fail("'%s' formats as '%s', which does not parse: %s", text, once, cs_last_error());
    char *twice = format(again, once);
    if (strcmp(once, twice) != 0)
        fuzz_fail("'%s' formats as '%s', which formats as '%s'", text, once, twice);
    if (cs_perturb_spec_kind(again) != cs_perturb_spec_kind(spec))
        fuzz_fail("'%s' and its formatted '%s' are different kinds", text, once);
    const uint64_t seed = size;
    apply(spec, three, seed);
    apply(spec, ten, seed);
    cs_perturb_spec_destroy(again);
    cs_perturb_spec_destroy(spec);
    free(twice);
    free(once);
    free(text);
    return 0;
}
