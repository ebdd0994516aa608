/* Internal: a small JSON writer (json_write.c) and a strict RFC 8259 reader (json_read.c) for
 * the results store (study.json, one file per experiment cell) and summary.json.
 *
 * The writer is deterministic: the same calls give the same bytes, in any locale. The reader
 * refuses everything RFC 8259 does not allow and reports where: "WHAT:LINE:COL: ...". */
#ifndef CS_CORE_JSON_H
#define CS_CORE_JSON_H

#include <stddef.h>

#include "buf.h"

/* ---- writer ---------------------------------------------------------------------------- */

#define CS__JSON_WRITER_MAX_DEPTH 32

/* Writes one pretty-printed value (2-space indent) into `out`:
 *   - object members each on their own line, `"key": value`;
 *   - an array whose elements are all scalars on one line, `[1, 2, 3]`; an array holding an
 *     object or array puts every element on its own line;
 *   - empty containers as `{}` and `[]`;
 *   - a newline after the top-level value.
 * Misuse does not crash: a key outside an object or twice in a row, a value in an object
 * without its key, an end that does not match the open container, a second top-level value,
 * nesting deeper than CS__JSON_WRITER_MAX_DEPTH, or a NULL key set out->failed = 1, so that
 * cs__buf_status() reports it (as CS_ERR_OUT_OF_MEMORY, the buffer's only failure status);
 * every later call is then a no-op. Check cs__jw_finished() to know that the value is
 * complete. */
typedef struct cs__json_writer {
    cs__buf *out;
    int depth;                                          /* open containers */
    int key_pending;                                    /* a key awaits its value */
    int done;                                           /* the top-level value is complete */
    unsigned char is_object[CS__JSON_WRITER_MAX_DEPTH]; /* per open container */
    unsigned char multiline[CS__JSON_WRITER_MAX_DEPTH]; /* arrays: one element per line */
    size_t count[CS__JSON_WRITER_MAX_DEPTH];            /* elements / members written */
    size_t open_at[CS__JSON_WRITER_MAX_DEPTH];          /* offset of the '[' in out */
} cs__json_writer;

void cs__jw_init(cs__json_writer *w, cs__buf *out);
void cs__jw_begin_object(cs__json_writer *w);
void cs__jw_end_object(cs__json_writer *w);
void cs__jw_begin_array(cs__json_writer *w);
void cs__jw_end_array(cs__json_writer *w);
/* Inside an object, before each value. */
void cs__jw_key(cs__json_writer *w, const char *key);
/* Escapes '"', '\\' and control characters (as \u00XX); UTF-8 passes through, and a byte
 * that is not part of valid UTF-8 is written as \ufffd so that the output always reads back.
 * NULL is written as null. */
void cs__jw_string(cs__json_writer *w, const char *s);
/* The shortest form that reads back bit-exactly (cs__buf_double); -0 as "-0"; NaN and
 * infinities as null. */
void cs__jw_double(cs__json_writer *w, double v);
void cs__jw_int(cs__json_writer *w, long long v);
void cs__jw_uint(cs__json_writer *w, unsigned long long v);
void cs__jw_bool(cs__json_writer *w, int v);
void cs__jw_null(cs__json_writer *w);
/* An array of n numbers (v may be NULL when n is 0). */
void cs__jw_doubles(cs__json_writer *w, const double *v, size_t n);
/* 1 when one complete top-level value has been written and nothing has failed. */
int cs__jw_finished(const cs__json_writer *w);

/* ---- reader ---------------------------------------------------------------------------- */

/* Longest text cs__json_parse accepts, and deepest nesting of arrays and objects. */
#define CS__JSON_MAX_TEXT ((size_t)1 << 30)
#define CS__JSON_MAX_DEPTH 64

typedef enum cs__json_type {
    CS__JSON_NULL,
    CS__JSON_BOOL,
    CS__JSON_NUMBER,
    CS__JSON_STRING,
    CS__JSON_ARRAY,
    CS__JSON_OBJECT
} cs__json_type;

/* A node; the whole tree is owned by the root that cs__json_parse returned. */
typedef struct cs__json cs__json;

/* Parse `len` bytes of `text` (need not be NUL-terminated) as exactly one JSON value.
 * `what` names the input in messages (the file name; NULL reads "JSON").
 * Returns CS_OK with *out the root (free with cs__json_free), or with *out NULL:
 *   CS_ERR_FORMAT "WHAT:LINE:COL: expected ... (found ...)" (1-based line and byte column of
 *     the offending byte) for any syntax error, empty input, trailing garbage, invalid escapes,
 *     raw control characters or invalid UTF-8 in strings, \u0000, lone surrogates, leading
 *     zeros, numbers beyond the range of a double, duplicate member names, or nesting deeper
 *     than CS__JSON_MAX_DEPTH;
 *   CS_ERR_OVERFLOW for text longer than CS__JSON_MAX_TEXT;
 *   CS_ERR_INVALID_ARGUMENT for a NULL out, or NULL text with len > 0;
 *   CS_ERR_OUT_OF_MEMORY.
 * Numbers are read the same whatever LC_NUMERIC the host program set. */
int cs__json_parse(cs__json **out, const char *text, size_t len, const char *what);
/* Free a tree returned by cs__json_parse (only a root; NULL is accepted). */
void cs__json_free(cs__json *root);

/* Accessors borrow from the tree and accept NULL. */
cs__json_type cs__json_type_of(const cs__json *v); /* CS__JSON_NULL for NULL */
/* The value of member `key`; NULL when absent or obj is not an object. */
const cs__json *cs__json_get(const cs__json *obj, const char *key);
/* Elements of an array / members of an object; 0 otherwise. */
size_t cs__json_len(const cs__json *v);
/* Element i of an array or the value of member i of an object (document order); NULL out of
 * range. */
const cs__json *cs__json_at(const cs__json *v, size_t i);
/* The name of member i of an object; NULL out of range or when obj is not an object. */
const char *cs__json_key_at(const cs__json *obj, size_t i);
/* NaN when v is not a number. */
double cs__json_number(const cs__json *v);
/* NULL when v is not a string; NUL-terminated UTF-8 with escapes decoded. */
const char *cs__json_string(const cs__json *v);
/* 0/1; -1 when v is not a bool. */
int cs__json_bool(const cs__json *v);
/* "null", "a bool", "a number", "a string", "an array", "an object" (for messages). */
const char *cs__json_type_name(cs__json_type type);

/* Typed lookups for file readers. On failure they return CS_ERR_FORMAT with a message such as
 *   WHAT: member "KEY" is missing
 *   WHAT: member "KEY" must be a number (got a string)
 *   WHAT: member "KEY" must be an integer in [LO, HI] (got 3.5)
 * and leave *out untouched (a NULL key or output is CS_ERR_INVALID_ARGUMENT).
 * cs__json_get_number reads null as NaN, since the writer writes non-finite numbers as null. */
int cs__json_get_number(const cs__json *obj, const char *key, double *out, const char *what);
int cs__json_get_int(const cs__json *obj, const char *key, long long lo, long long hi,
                     long long *out, const char *what);
int cs__json_get_string(const cs__json *obj, const char *key, const char **out, const char *what);
int cs__json_get_array(const cs__json *obj, const char *key, const cs__json **out, const char *what);
int cs__json_get_object(const cs__json *obj, const char *key, const cs__json **out,
                        const char *what);
/* arr must be an array of exactly n numbers; null elements read as NaN. */
int cs__json_numbers(const cs__json *arr, double *out, size_t n, const char *what);

#endif
