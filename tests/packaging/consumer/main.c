/* A program written the way a user of the installed library writes one: only <classsens.h>,
 * built against an installed prefix through pkg-config or find_package(classsens). */
#include <classsens.h>

#include <stdint.h>
#include <stdio.h>
#include <string.h>

static int failures;

#define EXPECT(cond, ...)                                                  \
    do {                                                                   \
        if (!(cond)) {                                                     \
            fprintf(stderr, "consumer: %s:%d: check failed: %s: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                  \
            fputc('\n', stderr);                                           \
            failures++;                                                    \
        }                                                                  \
    } while (0)

int main(void)
{
    /* 4 images of 1x2x2, 2 classes. */
    static const uint8_t pixels[4 * 1 * 2 * 2] = {
        0, 1, 2, 3,   10, 11, 12, 13,   20, 21, 22, 23,   30, 31, 32, 33,
    };
    static const int32_t labels[4] = { 0, 1, 1, 0 };
    cs_dataset *ds = NULL;
    cs_dataset *bad = NULL;
    int rc;

    printf("classsens %s (headers %s)\n", cs_version_string(), CS_VERSION_STRING);
    EXPECT(strcmp(cs_version_string(), CS_VERSION_STRING) == 0,
           "library version '%s' != header version '%s'", cs_version_string(), CS_VERSION_STRING);
    EXPECT(cs_version_number() == CS_VERSION_NUMBER, "library version number %d != header %d",
           cs_version_number(), CS_VERSION_NUMBER);

    rc = cs_dataset_from_memory(&ds, pixels, labels, 4, 1, 2, 2, 2);
    EXPECT(rc == CS_OK, "cs_dataset_from_memory returned %s: %s", cs_status_str(rc),
           cs_last_error());
    if (ds != NULL) {
        EXPECT(cs_dataset_size(ds) == 4, "cs_dataset_size is %zu, expected 4", cs_dataset_size(ds));
        EXPECT(cs_dataset_num_classes(ds) == 2, "cs_dataset_num_classes is %d, expected 2",
               cs_dataset_num_classes(ds));
        EXPECT(cs_dataset_label(ds, 2) == 1, "cs_dataset_label(ds, 2) is %d, expected 1",
               cs_dataset_label(ds, 2));
        EXPECT(cs_dataset_image(ds, 3) != NULL && cs_dataset_image(ds, 3)[1] == 31,
               "cs_dataset_image(ds, 3) does not hold the pixels passed in");
    }

    rc = cs_dataset_from_memory(&bad, pixels, labels, 4, 1, 2, 2, 1);
    EXPECT(rc == CS_ERR_INVALID_ARGUMENT, "num_classes 1 returned %s, expected CS_ERR_INVALID_ARGUMENT",
           cs_status_str(rc));
    EXPECT(bad == NULL, "a failed cs_dataset_from_memory left a non-NULL handle");
    EXPECT(strstr(cs_last_error(), "num_classes") != NULL,
           "cs_last_error() does not mention num_classes: \"%s\"", cs_last_error());
    cs_dataset_destroy(bad);

    /* The file readers (and with them zlib, through the static archive) must link and report
     * a missing file. */
    bad = NULL;
    rc = cs_dataset_open_idx(&bad, "/nonexistent/classsens-consumer/images.idx",
                             "/nonexistent/classsens-consumer/labels.idx");
    EXPECT(rc == CS_ERR_NOT_FOUND || rc == CS_ERR_IO,
           "cs_dataset_open_idx on a missing file returned %s", cs_status_str(rc));
    EXPECT(bad == NULL, "a failed cs_dataset_open_idx left a non-NULL handle");
    EXPECT(strstr(cs_last_error(), "images.idx") != NULL,
           "cs_last_error() does not name the missing file: \"%s\"", cs_last_error());
    cs_dataset_destroy(ds);

    if (failures != 0) {
        fprintf(stderr, "consumer: %d check(s) failed\n", failures);
        return 1;
    }
    puts("consumer ok");
    return 0;
}
