/* Shared by the libFuzzer targets of tests/fuzz (docs/reliability.md): inputs handed to the
 * library's path-taking readers as files that live in memory, inputs split into several files,
 * gzip compression of an input, and a failure that libFuzzer reports as a finding. */
#ifndef CS_FUZZ_COMMON_H
#define CS_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

/* The line that separates the files of a multi-file input (CIFAR-10 directory, results store);
 * the targets' dictionaries hold it, so mutations can add and drop files. */
#define FUZZ_SEPARATOR "\n%%cs-fuzz-next-file%%\n"
#define FUZZ_MAX_PARTS 64

/* The big-endian 32-bit number at b, and v stored big-endian at b (IDX headers). */
uint32_t fuzz_get_be32(const uint8_t *b);
void fuzz_put_be32(uint8_t *b, uint32_t v);

/* Make the open file fd hold exactly data[0..n): overwritten from offset 0, then cut to size
 * (truncating to 0 first would free the file's pages and have the kernel clear new ones for
 * every input). Aborts (fuzz_fail, naming `what`) if it cannot. */
void fuzz_overwrite(int fd, const void *data, size_t n, const char *what);

/* A file in memory (memfd) reachable by path ("/proc/self/fd/N"); slot 0..7, reused between
 * inputs. Returns the path (static storage of the slot); aborts if memory cannot be had. */
const char *fuzz_memfile(int slot, const void *data, size_t n);

/* A scratch directory on tmpfs (or $TMPDIR), made once per process and emptied of the listed
 * names by the caller; returns its path. */
const char *fuzz_scratch_dir(void);

/* Write `n` bytes to dir/name (creating folders named in `name` is the caller's job);
 * n == (size_t)-1 removes the file instead. Aborts on an I/O failure. */
void fuzz_write_file(const char *dir, const char *name, const void *data, size_t n);

/* Split data at FUZZ_SEPARATOR: part i is [start[i], start[i] + len[i]); returns the count
 * (at most FUZZ_MAX_PARTS; the last part takes the rest). */
int fuzz_split(const uint8_t *data, size_t size, const uint8_t **start, size_t *len);

/* gzip (RFC 1952) of data into a buffer the caller frees; NULL if zlib fails. Real deflate, for
 * the seed corpora (make_seeds.c), so that the raw inputs hold compressed streams. */
uint8_t *fuzz_gzip(const uint8_t *data, size_t n, size_t *out_len);

/* gzip of data in stored (uncompressed) deflate blocks, for the targets' per-input copies: the
 * library's reader gets the same bytes out of it as out of compressed data, at the cost of a
 * CRC-32 instead of deflate's 128 KiB of state and its compression per input. The result lives
 * in storage of the helper, valid until the next call; aborts if memory cannot be had. */
const uint8_t *fuzz_gzip_stored(const uint8_t *data, size_t n, size_t *out_len);

/* A property the library promises does not hold: print why and abort (a libFuzzer finding). */
void fuzz_fail(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2), noreturn))
#endif
    ;

/* A NUL-terminated copy of data (caller frees). */
char *fuzz_strndup(const uint8_t *data, size_t n);

#endif
