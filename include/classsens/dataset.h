/**
 * @file classsens/dataset.h
 * @brief Image classification data sets: loaders (IDX, CIFAR-10, Fashion-MNIST, memory),
 *        views that share pixels, statistics, and normalised / augmented float batches.
 *
 * A ::cs_dataset is an immutable, ordered collection of N labelled images of shape
 * (C, H, W), stored as planar unsigned bytes, with K classes (labels in [0, K)).
 *
 * Pixel storage is shared and reference counted: a view made with cs_dataset_view() refers to
 * its parent's pixels but owns its own index list and labels, so perturbed training sets cost
 * a few bytes per record. Destroying a parent before its views is allowed.
 *
 * A dataset handle may be read from several threads at once; no function here mutates a
 * handle except cs_dataset_set_class_names() and cs_dataset_destroy().
 */
#ifndef CLASSSENS_DATASET_H
#define CLASSSENS_DATASET_H

#include <stddef.h>
#include <stdint.h>

#include <classsens/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/** @brief Opaque handle to a data set or a view of one. */
typedef struct cs_dataset cs_dataset;

/** @brief Which part of a published data set to load. */
typedef enum cs_split {
    CS_SPLIT_TRAIN = 0, /**< The training split (Fashion-MNIST 60,000; CIFAR-10 data_batch_1..5). */
    CS_SPLIT_TEST = 1   /**< The test split (Fashion-MNIST 10,000; CIFAR-10 test_batch). */
} cs_split;

/** @brief The environment variable that overrides the default Fashion-MNIST directory. */
#define CS_FASHION_MNIST_ENV "CLASSSENS_FASHION_MNIST_DIR"
/** @brief Where Debian's `dataset-fashion-mnist` package installs the files. */
#define CS_FASHION_MNIST_DEFAULT_DIR "/usr/share/datasets/fashion-mnist"

/**
 * @brief Load an image file and a label file in the IDX format (as used by MNIST).
 *
 * Images: magic 0x00000803 (unsigned bytes, 3 dimensions N×H×W, big-endian sizes), giving
 * C = 1. Labels: magic 0x00000801 (unsigned bytes, 1 dimension N). Each file may be raw or
 * gzip-compressed; the format is detected from the content, not the name. The number of
 * classes K is the largest label + 1. Every size is checked against the real length of the
 * data and against overflow before anything large is allocated.
 *
 * @param[out] out          The new data set; NULL on failure. Owned: free with cs_dataset_destroy().
 * @param images_path       Path of the IDX image file.
 * @param labels_path       Path of the IDX label file.
 * @return ::CS_OK; ::CS_ERR_NOT_FOUND or ::CS_ERR_IO if a file cannot be read;
 *         ::CS_ERR_FORMAT for a wrong magic or dimension count; ::CS_ERR_UNSUPPORTED for IDX
 *         element types other than unsigned byte; ::CS_ERR_TRUNCATED when the data is shorter
 *         than the header promises; ::CS_ERR_CORRUPT for a damaged gzip stream;
 *         ::CS_ERR_OVERFLOW when the header's sizes overflow; ::CS_ERR_SIZE_MISMATCH when the
 *         two files disagree on N; ::CS_ERR_OUT_OF_MEMORY.
 */
CS_API int cs_dataset_open_idx(cs_dataset **out, const char *images_path, const char *labels_path);

/**
 * @brief Like cs_dataset_open_idx(), with a fixed number of classes.
 * @param[out] out          The new data set; NULL on failure. Owned.
 * @param images_path       Path of the IDX image file (raw or gzip).
 * @param labels_path       Path of the IDX label file (raw or gzip).
 * @param num_classes       K, 2..256 (IDX labels are bytes); every label must be below it. 0 infers K as for
 *                          cs_dataset_open_idx().
 * @return As cs_dataset_open_idx(), plus ::CS_ERR_OUT_OF_RANGE for a label >= @p num_classes
 *         (the message names the record and its byte offset) and ::CS_ERR_INVALID_ARGUMENT
 *         for a bad @p num_classes.
 */
CS_API int cs_dataset_open_idx_classes(cs_dataset **out, const char *images_path,
                                       const char *labels_path, int num_classes);

/**
 * @brief Load CIFAR-10 in its binary version, from a directory or from the original archive.
 *
 * @p path is either a directory holding `data_batch_1.bin` … `data_batch_5.bin`,
 * `test_batch.bin` and optionally `batches.meta.txt` (the extracted
 * `cifar-10-batches-bin/`), or the file `cifar-10-binary.tar.gz` itself, which is read
 * straight through zlib and a tar reader without extracting anything to disk. Members are
 * found by base name wherever they sit in the archive. Each record is 1 label byte followed
 * by 3072 planar bytes (R, G, B planes of 32×32); the training split is the five batches in
 * order 1..5. Class names come from `batches.meta.txt` (one per line); without that file the
 * canonical CIFAR-10 names are used.
 *
 * @param[out] out  The new data set (3×32×32, K = 10); NULL on failure. Owned.
 * @param path      Directory or `.tar.gz` / `.tgz` / `.tar` file.
 * @param split     ::CS_SPLIT_TRAIN or ::CS_SPLIT_TEST.
 * @return ::CS_OK; ::CS_ERR_NOT_FOUND for a missing file or archive member (named in the
 *         message); ::CS_ERR_TRUNCATED for a batch whose size is not a whole number of records
 *         or an archive member cut short; ::CS_ERR_OUT_OF_RANGE for a label >= 10;
 *         ::CS_ERR_CORRUPT for a bad gzip stream or tar header checksum; ::CS_ERR_FORMAT
 *         for a malformed archive or meta file; ::CS_ERR_IO; ::CS_ERR_OUT_OF_MEMORY.
 */
CS_API int cs_dataset_open_cifar10(cs_dataset **out, const char *path, cs_split split);

/**
 * @brief Load Fashion-MNIST from the IDX files of Zalando's release.
 *
 * Looks for `train-images-idx3-ubyte` / `train-labels-idx1-ubyte` (or `t10k-…` for the test
 * split), each with a `.gz` suffix or without. K = 10; the class names are T-shirt/top,
 * Trouser, Pullover, Dress, Coat, Sandal, Shirt, Sneaker, Bag, Ankle boot.
 *
 * @param[out] out  The new data set (1×28×28); NULL on failure. Owned.
 * @param dir       Directory of the files; NULL uses the environment variable
 *                  ::CS_FASHION_MNIST_ENV when set and non-empty, else
 *                  ::CS_FASHION_MNIST_DEFAULT_DIR.
 * @param split     ::CS_SPLIT_TRAIN or ::CS_SPLIT_TEST.
 * @return As cs_dataset_open_idx_classes() with K = 10; ::CS_ERR_NOT_FOUND names the
 *         directory searched when the files are absent.
 */
CS_API int cs_dataset_open_fashion_mnist(cs_dataset **out, const char *dir, cs_split split);

/**
 * @brief Make a data set from arrays in memory (both are copied).
 * @param[out] out        The new data set; NULL on failure. Owned.
 * @param pixels          n × c × h × w bytes, image after image, each planar (C, H, W).
 * @param labels          n labels, each in [0, num_classes).
 * @param n               Number of images, >= 1.
 * @param c               Channels, >= 1.
 * @param h               Height, >= 1.
 * @param w               Width, >= 1.
 * @param num_classes     K, 2..65536.
 * @return ::CS_OK; ::CS_ERR_INVALID_ARGUMENT for NULL arrays or non-positive sizes;
 *         ::CS_ERR_OVERFLOW if n·c·h·w overflows; ::CS_ERR_OUT_OF_RANGE for a label outside
 *         [0, num_classes) (the message gives its index); ::CS_ERR_OUT_OF_MEMORY.
 */
CS_API int cs_dataset_from_memory(cs_dataset **out, const uint8_t *pixels, const int32_t *labels,
                                  size_t n, int c, int h, int w, int num_classes);

/**
 * @brief A view: a subset and/or relabelling of a data set that shares its pixels.
 *
 * Record i of the view is record `indices[i]` of @p parent, labelled `labels[i]`. A view of a
 * view refers directly to the shared pixels. Indices may repeat (sampling with replacement).
 *
 * @param[out] out   The new view; NULL on failure. Owned: free with cs_dataset_destroy(); it
 *                   stays valid after @p parent is destroyed.
 * @param parent     The data set to view.
 * @param indices    n positions in @p parent, each < cs_dataset_size(parent); NULL means
 *                   0 … n−1 (n must then be <= the parent's size).
 * @param n          Number of records in the view, >= 1.
 * @param labels     n labels in [0, K) for the view; NULL keeps the parent's labels.
 * @return ::CS_OK; ::CS_ERR_INVALID_ARGUMENT; ::CS_ERR_OUT_OF_RANGE for an index or label out
 *         of range (the message gives its position); ::CS_ERR_OUT_OF_MEMORY.
 */
CS_API int cs_dataset_view(cs_dataset **out, const cs_dataset *parent, const size_t *indices,
                           size_t n, const int32_t *labels);

/**
 * @brief Free a data set or view. Pixels are freed with their last user.
 * @param ds The data set or view; NULL is accepted and ignored.
 */
CS_API void cs_dataset_destroy(cs_dataset *ds);

/**
 * @brief Number of records N.
 * @param ds The data set.
 * @return N; 0 when @p ds is NULL.
 */
CS_API size_t cs_dataset_size(const cs_dataset *ds);

/**
 * @brief Number of classes K.
 * @param ds The data set.
 * @return K; 0 when @p ds is NULL.
 */
CS_API int cs_dataset_num_classes(const cs_dataset *ds);

/**
 * @brief Image shape.
 * @param[out] c  Channels (may be NULL). Set to 0 when @p ds is NULL, likewise h and w.
 * @param[out] h  Height (may be NULL).
 * @param[out] w  Width (may be NULL).
 * @param ds      The data set.
 * @return ::CS_OK; ::CS_ERR_INVALID_ARGUMENT when @p ds is NULL.
 */
CS_API int cs_dataset_shape(int *c, int *h, int *w, const cs_dataset *ds);

/**
 * @brief Label of record i.
 * @param ds The data set.
 * @param i  Record index, < cs_dataset_size().
 * @return The label in [0, K); −1 when @p ds is NULL or @p i is out of range.
 */
CS_API int cs_dataset_label(const cs_dataset *ds, size_t i);

/**
 * @brief All labels at once.
 * @param ds The data set.
 * @return N labels, borrowed (valid while @p ds lives); NULL when @p ds is NULL.
 */
CS_API const int32_t *cs_dataset_labels(const cs_dataset *ds);

/**
 * @brief Pixels of record i.
 * @param ds The data set.
 * @param i  Record index, < cs_dataset_size().
 * @return C·H·W planar bytes (C, H, W), borrowed (valid while @p ds lives); NULL when @p ds is
 *         NULL or @p i is out of range.
 */
CS_API const uint8_t *cs_dataset_image(const cs_dataset *ds, size_t i);

/**
 * @brief Where record i came from: its index in the file or array the pixels were loaded from.
 * @param ds The data set.
 * @param i  Record index, < cs_dataset_size().
 * @return The source index; SIZE_MAX when @p ds is NULL or @p i is out of range.
 */
CS_API size_t cs_dataset_source_index(const cs_dataset *ds, size_t i);

/**
 * @brief Name of class k ("Trouser", "cat", or "3" when the source gives no names).
 * @param ds The data set.
 * @param k  Class index in [0, K).
 * @return A string borrowed from @p ds; NULL when @p ds is NULL or @p k is out of range.
 */
CS_API const char *cs_dataset_class_name(const cs_dataset *ds, int k);

/**
 * @brief Replace the class names of this handle (its views made later inherit them).
 * @param ds     The data set.
 * @param names  k non-NULL, non-empty strings (copied).
 * @param k      Must equal cs_dataset_num_classes().
 * @return ::CS_OK; ::CS_ERR_INVALID_ARGUMENT; ::CS_ERR_SIZE_MISMATCH when @p k != K;
 *         ::CS_ERR_OUT_OF_MEMORY (the old names are then kept).
 */
CS_API int cs_dataset_set_class_names(cs_dataset *ds, const char *const *names, int k);

/**
 * @brief Number of records of each class.
 * @param[out] counts K entries.
 * @param k           Length of @p counts; must equal cs_dataset_num_classes().
 * @param ds          The data set.
 * @return ::CS_OK; ::CS_ERR_INVALID_ARGUMENT; ::CS_ERR_SIZE_MISMATCH.
 */
CS_API int cs_dataset_class_counts(size_t *counts, int k, const cs_dataset *ds);

/**
 * @brief Per-channel mean and population standard deviation of the pixels, in [0, 1] units
 *        (byte / 255), over every pixel of every record of the data set or view.
 *
 * Sums are exact 64-bit integers, so the result is independent of order and thread count.
 * These are the values to pass as `mean` and `std` in ::cs_batch_options.
 *
 * @param[out] mean C entries.
 * @param[out] std  C entries.
 * @param c         Length of the arrays; must equal the data set's C.
 * @param ds        The data set.
 * @return ::CS_OK; ::CS_ERR_INVALID_ARGUMENT; ::CS_ERR_SIZE_MISMATCH.
 */
CS_API int cs_dataset_channel_stats(double *mean, double *std, int c, const cs_dataset *ds);

/**
 * @brief How cs_dataset_batch() turns bytes into floats. Initialise with ::CS_BATCH_OPTIONS_INIT.
 *
 * Each output value is `(v / 255 − mean[c]) / std[c]`, where v is the pixel byte after
 * augmentation. Augmentation follows torchvision's `RandomCrop(size, padding=p)` then
 * `RandomHorizontalFlip()`: the image is padded with p zero bytes on every side, an H×W window
 * is taken at a uniformly random offset in [0, 2p]², and it is mirrored left–right with
 * probability 1/2. The padding is zero in byte space, so it becomes −mean/std after
 * normalisation, as in torchvision where padding happens before `Normalize`.
 *
 * Randomness comes from a counter-based generator (Philox-4×32-10) keyed by `seed`: the
 * image at position j of a call uses counter `counter + j`, so a batch's augmentation does not
 * depend on threads, call order or batch splitting.
 */
typedef struct cs_batch_options {
    size_t struct_size;     /**< sizeof(cs_batch_options): lets later versions add fields. */
    const float *mean;      /**< C channel means in [0, 1] units; NULL means 0. */
    const float *std;       /**< C channel standard deviations (> 0); NULL means 1. */
    int crop_padding;       /**< p >= 0: random crop after zero padding of p; 0 turns it off. */
    int horizontal_flip;    /**< Non-zero: random left–right flip with probability 1/2. */
    uint64_t seed;          /**< Key of the augmentation stream. */
    uint64_t counter;       /**< Counter of the first image of this call. */
} cs_batch_options;

/** @brief Initialiser for ::cs_batch_options: no normalisation, no augmentation. */
#define CS_BATCH_OPTIONS_INIT { sizeof(cs_batch_options), NULL, NULL, 0, 0, 0u, 0u }

/**
 * @brief Fill @p opts with exactly what ::CS_BATCH_OPTIONS_INIT gives (for bindings, which
 *        cannot use the macro).
 * @param[out] opts The options to initialise.
 * @return ::CS_OK; ::CS_ERR_INVALID_ARGUMENT when @p opts is NULL.
 */
CS_API int cs_batch_options_init(cs_batch_options *opts);

/**
 * @brief Extract n images as floats (N, C, H, W), normalised and optionally augmented.
 * @param[out] out n × C × H × W floats, image after image, planar.
 * @param ds       The data set.
 * @param indices  n record indices into @p ds; NULL means 0 … n−1.
 * @param n        Number of images, >= 1.
 * @param opts     Normalisation and augmentation; NULL means byte / 255, no augmentation.
 * @return ::CS_OK; ::CS_ERR_INVALID_ARGUMENT (NULL pointers, bad struct_size, std <= 0 or not
 *         finite, negative padding, padding > 4·max(H, W)); ::CS_ERR_OUT_OF_RANGE for an index
 *         >= N (the message gives its position); ::CS_ERR_UNSUPPORTED when struct_size is
 *         larger than this library knows.
 */
CS_API int cs_dataset_batch(float *out, const cs_dataset *ds, const size_t *indices, size_t n,
                            const cs_batch_options *opts);

/**
 * @brief How a NumPy image array is laid out (see ::cs_numpy_options).
 *
 * The data set itself is always planar (C, H, W); an N×H×W×C array is transposed on loading.
 */
typedef enum cs_layout {
    CS_LAYOUT_AUTO = 0, /**< From the shape: 3-D is N×H×W; 4-D is N×H×W×C when only the last size
                             is 1 or 3, N×C×H×W when only the second is; any other 4-D shape is
                             refused as ambiguous. */
    CS_LAYOUT_NHW = 1,  /**< N×H×W, one channel (a 3-D array). */
    CS_LAYOUT_NHWC = 2, /**< N×H×W×C, C = 1 or 3 (channels last: TensorFlow, PIL, Keras). */
    CS_LAYOUT_NCHW = 3  /**< N×C×H×W, C = 1 or 3 (channels first: PyTorch). */
} cs_layout;

/**
 * @brief How cs_dataset_open_npz(), cs_dataset_open_npz_split() and cs_dataset_open_npy()
 *        read NumPy arrays. Initialise with ::CS_NUMPY_OPTIONS_INIT or cs_numpy_options_init().
 *
 * The three names select arrays inside an `.npz` archive (the member `NAME.npy`); NULL keeps
 * the entry point's default. cs_dataset_open_npy() takes paths instead and requires them NULL.
 */
typedef struct cs_numpy_options {
    size_t struct_size;      /**< sizeof(cs_numpy_options): lets later versions add fields. */
    cs_layout layout;        /**< Layout of the image array; ::CS_LAYOUT_AUTO infers it. */
    const char *images;      /**< Image array of an .npz; NULL: "images", or "x_train" / "x_test"
                                  for cs_dataset_open_npz_split(). */
    const char *labels;      /**< Label array of an .npz; NULL: "labels", or "y_train" / "y_test". */
    const char *class_names; /**< Optional class-name array of an .npz; NULL: "class_names", read
                                  when the archive has it (a name given here must exist). */
    int num_classes;         /**< K, 2..65536; 0: the length of the class-name array when there
                                  is one, else the largest label + 1 (at least 2). */
} cs_numpy_options;

/** @brief Initialiser for ::cs_numpy_options: layout inferred, default names, K inferred. */
#define CS_NUMPY_OPTIONS_INIT { sizeof(cs_numpy_options), CS_LAYOUT_AUTO, NULL, NULL, NULL, 0 }

/**
 * @brief Fill @p opts with exactly what ::CS_NUMPY_OPTIONS_INIT gives (for bindings, which
 *        cannot use the macro).
 * @param[out] opts The options to initialise.
 * @return ::CS_OK; ::CS_ERR_INVALID_ARGUMENT when @p opts is NULL.
 */
CS_API int cs_numpy_options_init(cs_numpy_options *opts);

/**
 * @brief Load images and labels from a NumPy `.npz` archive (np.savez or np.savez_compressed).
 *
 * The archive is a zip file (members stored or deflated, ZIP64 understood) whose members
 * `NAME.npy` are NumPy arrays (format versions 1.0, 2.0 and 3.0, C order). Images: an array of
 * uint8 ('|u1') of shape N×H×W, N×H×W×C or N×C×H×W (see ::cs_layout). Labels: N integers of
 * any integer dtype and byte order, shape (N) or (N, 1), each in [0, K). Class names: an
 * optional 1-D array of K strings, dtype '<U…' (numpy's str) or '|S…' (bytes). Every member
 * read has its CRC-32 checked; every size is checked against the data before allocation.
 *
 * @param[out] out The new data set; NULL on failure. Owned: free with cs_dataset_destroy().
 * @param path     Path of the .npz file.
 * @param opts     Layout, array names (default "images", "labels", "class_names") and K;
 *                 NULL means ::CS_NUMPY_OPTIONS_INIT.
 * @return ::CS_OK; ::CS_ERR_NOT_FOUND for a missing file or array (the message lists the
 *         archive's members); ::CS_ERR_FORMAT for a malformed zip or .npy header, a shape that
 *         is not an image stack, an ambiguous 4-D shape under ::CS_LAYOUT_AUTO, a layout that
 *         contradicts the shape, duplicate members, or data longer than the header promises;
 *         ::CS_ERR_UNSUPPORTED for image dtypes other than uint8, non-integer labels, object
 *         arrays, Fortran order, encryption, or zip methods other than stored and deflate;
 *         ::CS_ERR_TRUNCATED; ::CS_ERR_CORRUPT for a CRC-32 mismatch or bad deflate data;
 *         ::CS_ERR_OVERFLOW for a shape whose product overflows; ::CS_ERR_SIZE_MISMATCH when
 *         images, labels and class names disagree on N or K; ::CS_ERR_OUT_OF_RANGE for a label
 *         outside [0, K) (the message names the record); ::CS_ERR_INVALID_ARGUMENT for bad
 *         options; ::CS_ERR_IO; ::CS_ERR_OUT_OF_MEMORY.
 */
CS_API int cs_dataset_open_npz(cs_dataset **out, const char *path, const cs_numpy_options *opts);

/**
 * @brief Load one split of an `.npz` archive that holds both, in the Keras convention
 *        (`keras.datasets.mnist`'s mnist.npz): `x_train`, `y_train`, `x_test`, `y_test`.
 *
 * As cs_dataset_open_npz(), with the default array names of @p split: "x_train" and
 * "y_train", or "x_test" and "y_test"; "class_names" is shared by both splits. Names set in
 * @p opts override these defaults.
 *
 * @param[out] out The new data set; NULL on failure. Owned: free with cs_dataset_destroy().
 * @param path     Path of the .npz file.
 * @param split    ::CS_SPLIT_TRAIN or ::CS_SPLIT_TEST.
 * @param opts     As for cs_dataset_open_npz(); NULL means ::CS_NUMPY_OPTIONS_INIT.
 * @return As cs_dataset_open_npz(); ::CS_ERR_INVALID_ARGUMENT for a bad @p split.
 */
CS_API int cs_dataset_open_npz_split(cs_dataset **out, const char *path, cs_split split,
                                     const cs_numpy_options *opts);

/**
 * @brief Load images and labels from two `.npy` files (np.save).
 *
 * The arrays follow the rules of cs_dataset_open_npz(); the class names are "0" … "K-1".
 *
 * @param[out] out    The new data set; NULL on failure. Owned: free with cs_dataset_destroy().
 * @param images_path Path of the image array (.npy).
 * @param labels_path Path of the label array (.npy).
 * @param opts        Layout and K (its array names must be NULL); NULL means
 *                    ::CS_NUMPY_OPTIONS_INIT.
 * @return As cs_dataset_open_npz() (without the zip errors).
 */
CS_API int cs_dataset_open_npy(cs_dataset **out, const char *images_path, const char *labels_path,
                               const cs_numpy_options *opts);

/** @brief How cs_dataset_open_folder() chooses the number of channels C. */
typedef enum cs_folder_channels {
    CS_FOLDER_CHANNELS_AUTO = 0, /**< C = 1 when every image is gray (with or without alpha),
                                      else C = 3 with gray images repeated into R = G = B. */
    CS_FOLDER_CHANNELS_GRAY = 1, /**< C = 1; colour images become luma as PIL's convert('L'):
                                      (19595 R + 38470 G + 7471 B + 32768) >> 16. */
    CS_FOLDER_CHANNELS_RGB = 2   /**< C = 3; gray images are repeated into R = G = B. */
} cs_folder_channels;

/** @brief How cs_dataset_open_folder() removes an alpha channel (PNG RGBA, gray + alpha, tRNS). */
typedef enum cs_folder_alpha {
    CS_FOLDER_ALPHA_DROP = 0,  /**< Ignore alpha, keep the colour as stored: what torchvision's
                                    loader does (PIL's convert('RGB')). */
    CS_FOLDER_ALPHA_BLACK = 1  /**< Composite on black in byte space: v' = (v·a + 127) / 255
                                    (integer division), so transparent pixels become 0. */
} cs_folder_alpha;

/** @brief Number of skipped files whose messages ::cs_folder_report keeps. */
#define CS_FOLDER_REPORT_FILES 4

/** @brief Length of each message in ::cs_folder_report, terminating zero included. */
#define CS_FOLDER_REPORT_MESSAGE 512

/**
 * @brief What cs_dataset_open_folder() found and left out (filled when
 *        cs_folder_options::report is set, on success and on failure).
 */
typedef struct cs_folder_report {
    size_t files;       /**< Entries considered in the split's class folders (images and others). */
    size_t loaded;      /**< Images loaded: the data set's N. */
    size_t skipped;     /**< Files skipped under cs_folder_options::skip_bad. */
    char first_skipped[CS_FOLDER_REPORT_FILES][CS_FOLDER_REPORT_MESSAGE]; /**< Messages (each
                             naming its file) of the first skipped files in record order; empty
                             strings beyond `skipped`; a message longer than the room is cut. */
} cs_folder_report;

/**
 * @brief How cs_dataset_open_folder() reads an image folder. Initialise with
 *        ::CS_FOLDER_OPTIONS_INIT or cs_folder_options_init().
 */
typedef struct cs_folder_options {
    size_t struct_size;          /**< sizeof(cs_folder_options): lets later versions add fields. */
    int width;                   /**< W of every image, 1..16384; 0: all images must share one size
                                      (with cs_folder_options::height also 0). */
    int height;                  /**< H of every image, 1..16384; 0 with cs_folder_options::width 0. */
    cs_folder_channels channels; /**< C; ::CS_FOLDER_CHANNELS_AUTO by default. */
    cs_folder_alpha alpha;       /**< Alpha removal; ::CS_FOLDER_ALPHA_DROP by default. */
    double test_fraction;        /**< For a root without train/ and test/: the share of each
                                      class's files (rounded to the nearest count) drawn into the
                                      test split, in (0, 1); 0: the whole root is the train
                                      split and there is no test split. */
    uint64_t seed;               /**< Seed of that draw. */
    int skip_bad;                /**< 0: the first bad file (in record order) fails the call,
                                      named in the message; 1: bad files are skipped and counted
                                      in cs_folder_options::report. */
    int follow_symlinks;         /**< 1 (default): follow symbolic links, refusing loops; 0:
                                      a link inside a class folder is a bad file, and a link
                                      beside the class folders is not a class. */
    int threads;                 /**< Decoding threads, >= 0; 0: the library's default
                                      (CLASSSENS_NUM_THREADS, else the CPUs available). */
    cs_folder_report *report;    /**< Optional: filled with counts and the skipped files. */
} cs_folder_options;

/** @brief Initialiser for ::cs_folder_options: one shared size, channels from the images, alpha
 *         dropped, no split fraction, seed 0, bad files refused, links followed, default threads. */
#define CS_FOLDER_OPTIONS_INIT { sizeof(cs_folder_options), 0, 0, CS_FOLDER_CHANNELS_AUTO, \
                                 CS_FOLDER_ALPHA_DROP, 0.0, 0u, 0, 1, 0, NULL }

/**
 * @brief Fill @p opts with exactly what ::CS_FOLDER_OPTIONS_INIT gives (for bindings, which
 *        cannot use the macro).
 * @param[out] opts The options to initialise.
 * @return ::CS_OK; ::CS_ERR_INVALID_ARGUMENT when @p opts is NULL.
 */
CS_API int cs_folder_options_init(cs_folder_options *opts);

/**
 * @brief Load an image folder in torchvision's `ImageFolder` layout: `root/CLASS/…/FILE`.
 *
 * The classes are the sub-folders of the split's folder, sorted by the bytes of their names
 * (Python's sorted() on str gives the same order for valid UTF-8 names); class k is the k-th
 * and its name is the folder's. Images are the files under a class folder, recursively, whose
 * names end in .png, .jpg or .jpeg (any case), in torchvision's order: folders by path, files
 * by name within each. Names that begin with '.' are ignored, and so are plain files directly
 * in the split's folder. Any other file in a class folder is a bad file (torchvision silently
 * ignores it; here it is noticed). When @p root has both `train/` and `test/` folders, @p split
 * selects one and both must have the same class folders; otherwise @p root holds the classes
 * and cs_folder_options::test_fraction splits each class's sorted files by a seeded shuffle.
 *
 * Pixels: PNG through libpng (bit depths 1..8, palette and tRNS expanded; 16-bit refused),
 * JPEG through libjpeg-turbo (accurate integer IDCT). When a size is given, each axis is
 * resized separately: by area averaging when it shrinks (each output pixel the mean of the
 * input span it covers, fractional edges weighted by coverage) and bilinearly when it grows
 * (pixel centres aligned, edges clamped, as OpenCV's INTER_LINEAR); results are rounded to the
 * nearest byte. Files are decoded on cs_folder_options::threads threads; the result does not
 * depend on their number.
 *
 * @param[out] out The new data set; NULL on failure. Owned: free with cs_dataset_destroy().
 * @param root     The folder.
 * @param split    ::CS_SPLIT_TRAIN or ::CS_SPLIT_TEST.
 * @param opts     Options; NULL means ::CS_FOLDER_OPTIONS_INIT.
 * @return ::CS_OK; ::CS_ERR_INVALID_ARGUMENT for bad arguments or options;
 *         ::CS_ERR_NOT_FOUND for a missing root, no class folders, fewer than two, an empty
 *         class folder, or the test split of a root without one; ::CS_ERR_SIZE_MISMATCH for
 *         images of different sizes without a size given, or train/ and test/ with different
 *         classes; ::CS_ERR_FORMAT for a file that is not a PNG or JPEG or is malformed, and a
 *         symbolic-link loop; ::CS_ERR_TRUNCATED; ::CS_ERR_CORRUPT; ::CS_ERR_UNSUPPORTED (16-bit
 *         PNG, CMYK JPEG, JPEG of over 500 scans, images over 16384 pixels a side);
 *         ::CS_ERR_IO for an unreadable file; ::CS_ERR_OUT_OF_MEMORY. Every message about a
 *         file names it.
 */
CS_API int cs_dataset_open_folder(cs_dataset **out, const char *root, cs_split split,
                                  const cs_folder_options *opts);

#ifdef __cplusplus
}
#endif

#endif /* CLASSSENS_DATASET_H */
