/* The strict RFC 8259 JSON reader for the results store: a read-only tree in one arena owned
 * by the root, its accessors, and the typed lookups file readers use. */
#include "json.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memory.h"
#include "numfmt.h"
#include "utf8.h"

struct cs__json {
    cs__json_type type;
    size_t n; /* string: bytes; array, object: elements */
    union {
        int b;
        double num;
        const char *str;
        struct {
            cs__json *items;   /* n values */
            const char **keys; /* objects: n names */
        } c;
    } u;
};

/* Nodes, key arrays and strings live in a chain of blocks freed together. */
typedef struct arena_block {
    struct arena_block *next;
    size_t used, cap;
    max_align_t data[];
} arena_block;

#define ARENA_FIRST_BLOCK ((size_t)4096)
#define ARENA_MAX_BLOCK ((size_t)1 << 20)

/* The root is the first member so that a root pointer is the document pointer. */
typedef struct json_doc {
    cs__json root;
    arena_block *blocks;
} json_doc;

/* A parsed value waiting for its container to close. */
typedef struct pending {
    cs__json node;
    const char *key;
    size_t key_at; /* byte offset of the key, for the duplicate message */
} pending;

typedef struct parser {
    const unsigned char *s;
    size_t len;
    size_t pos;
    const char *what;
    int depth;
    arena_block *arena;
    pending *stack;
    size_t sp, scap;
} parser;

static void arena_free(arena_block *b)
{
    while (b) {
        arena_block *next = b->next;
        free(b);
        b = next;
    }
}

static void *arena_alloc(parser *p, size_t bytes)
{
    const size_t align = _Alignof(max_align_t);
    if (bytes == 0)
        bytes = 1;
    if (bytes > SIZE_MAX - align)
        return NULL;
    bytes = (bytes + align - 1) / align * align;
    arena_block *b = p->arena;
    if (!b || b->cap - b->used < bytes) {
        size_t cap = b ? b->cap * 2 : ARENA_FIRST_BLOCK;
        if (cap > ARENA_MAX_BLOCK)
            cap = ARENA_MAX_BLOCK;
        if (cap < bytes)
            cap = bytes;
        size_t total;
        if (!cs__add_size(&total, sizeof *b, cap))
            return NULL;
        arena_block *nb = malloc(total);
        if (!nb)
            return NULL;
        nb->next = b;
        nb->used = 0;
        nb->cap = cap;
        p->arena = b = nb;
    }
    void *r = (char *)b->data + b->used;
    b->used += bytes;
    return r;
}

static int perr(const parser *p, size_t at, const char *fmt, ...) CS__PRINTF(3, 4);

/* CS_ERR_FORMAT "WHAT:LINE:COL: message" for the byte at offset `at`. */
static int perr(const parser *p, size_t at, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    cs__num_vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    size_t line = 1, col = 1;
    for (size_t i = 0; i < at && i < p->len; i++) {
        if (p->s[i] == '\n') {
            line++;
            col = 1;
        } else {
            col++;
        }
    }
    return cs__error(CS_ERR_FORMAT, "%s:%zu:%zu: %s", p->what, line, col, msg);
}

/* What stands at offset `at`, for "(found ...)". */
static const char *found(const parser *p, size_t at, char *buf, size_t n)
{
    if (at >= p->len)
        return "end of input";
    unsigned c = p->s[at];
    if (c >= 0x20 && c < 0x7F)
        snprintf(buf, n, "'%c'", (char)c);
    else if (c < 0x20 || c == 0x7F)
        snprintf(buf, n, "control character 0x%02X", c);
    else
        snprintf(buf, n, "byte 0x%02X", c);
    return buf;
}

static int expected(const parser *p, size_t at, const char *what)
{
    char tmp[40];
    return perr(p, at, "expected %s (found %s)", what, found(p, at, tmp, sizeof tmp));
}

static void skip_ws(parser *p)
{
    while (p->pos < p->len) {
        unsigned char c = p->s[p->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
            break;
        p->pos++;
    }
}

static int is_digit(const parser *p, size_t i)
{
    return i < p->len && p->s[i] >= '0' && p->s[i] <= '9';
}

static int push(parser *p, const cs__json *v, const char *key, size_t key_at)
{
    if (p->sp == p->scap) {
        size_t cap = p->scap ? p->scap * 2 : 64, bytes = SIZE_MAX;
        if (!cs__mul_size(&bytes, cap, sizeof *p->stack))
            return cs__error(CS_ERR_OVERFLOW, "%s: too many JSON values", p->what);
        pending *s = realloc(p->stack, bytes);
        if (!s)
            return cs__error_oom("the JSON parser stack", bytes);
        p->stack = s;
        p->scap = cap;
    }
    pending *e = &p->stack[p->sp++];
    e->node = *v;
    e->key = key;
    e->key_at = key_at;
    return CS_OK;
}

static int parse_value(parser *p, cs__json *out);

static int parse_literal(parser *p, const char *word, cs__json *out)
{
    for (size_t i = 0; word[i]; i++) {
        size_t at = p->pos + i;
        if (at >= p->len || p->s[at] != (unsigned char)word[i]) {
            char want[16];
            snprintf(want, sizeof want, "'%s'", word);
            return expected(p, at, want);
        }
    }
    p->pos += strlen(word);
    if (word[0] == 'n') {
        out->type = CS__JSON_NULL;
    } else {
        out->type = CS__JSON_BOOL;
        out->u.b = word[0] == 't';
    }
    return CS_OK;
}

/* The grammar was checked before: the token is a number in C notation. A number too small for
 * a double reads as the nearest one (0 or a subnormal), one too large is an error. */
static int number_value(parser *p, size_t start, size_t end, double *out)
{
    size_t n = end - start, used = 0;
    double v = 0;
    int rc = cs__num_parse_double(&v, &used, (const char *)p->s + start, n);
    if (rc == CS_ERR_OUT_OF_MEMORY)
        return rc;
    int shown = n > 40 ? 40 : (int)n;
    if ((rc != CS_OK && rc != CS_ERR_OUT_OF_RANGE) || used != n)
        return perr(p, start, "cannot convert the number %.*s%s", shown, (const char *)p->s + start,
                    n > 40 ? "..." : "");
    if (isinf(v))
        return perr(p, start, "number out of range of a double (found %.*s%s)", shown,
                    (const char *)p->s + start, n > 40 ? "..." : "");
    *out = v;
    return CS_OK;
}

static int parse_number(parser *p, cs__json *out)
{
    size_t start = p->pos, i = p->pos;
    if (p->s[i] == '-')
        i++;
    if (!is_digit(p, i))
        return expected(p, i, "a digit");
    if (p->s[i] == '0') {
        i++;
        if (is_digit(p, i))
            return perr(p, i, "expected '.', 'e' or the end of the number after a leading 0 "
                              "(found '%c': leading zeros are not allowed)", (char)p->s[i]);
    } else {
        while (is_digit(p, i))
            i++;
    }
    if (i < p->len && p->s[i] == '.') {
        i++;
        if (!is_digit(p, i))
            return expected(p, i, "a digit after the decimal point");
        while (is_digit(p, i))
            i++;
    }
    if (i < p->len && (p->s[i] == 'e' || p->s[i] == 'E')) {
        i++;
        if (i < p->len && (p->s[i] == '+' || p->s[i] == '-'))
            i++;
        if (!is_digit(p, i))
            return expected(p, i, "a digit in the exponent");
        while (is_digit(p, i))
            i++;
    }
    out->type = CS__JSON_NUMBER;
    int rc = number_value(p, start, i, &out->u.num);
    if (rc == CS_OK)
        p->pos = i;
    return rc;
}

/* Four hex digits at offset `at`. */
static int hex4(const parser *p, size_t at, unsigned *cp)
{
    unsigned v = 0;
    for (size_t i = at; i < at + 4; i++) {
        if (i >= p->len)
            return expected(p, i, "a hex digit");
        unsigned c = p->s[i], d;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (c >= 'a' && c <= 'f')
            d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            d = c - 'A' + 10;
        else
            return expected(p, i, "a hex digit");
        v = v * 16 + d;
    }
    *cp = v;
    return CS_OK;
}

/* The code point of the \u escape at offset `at` (the backslash), a surrogate pair combined;
 * *width is the number of input bytes it spans. */
static int unicode_escape(const parser *p, size_t at, unsigned *cp, size_t *width)
{
    unsigned hi = 0, lo = 0;
    int rc = hex4(p, at + 2, &hi);
    if (rc != CS_OK)
        return rc;
    if (hi == 0)
        return perr(p, at, "\\u0000 is not allowed in strings");
    if (hi >= 0xDC00 && hi <= 0xDFFF)
        return perr(p, at, "lone surrogate \\u%04X (a low surrogate without a high one before it)", hi);
    if (hi < 0xD800 || hi > 0xDBFF) {
        *cp = hi;
        *width = 6;
        return CS_OK;
    }
    size_t next = at + 6;
    if (next + 1 >= p->len || p->s[next] != '\\' || p->s[next + 1] != 'u')
        return perr(p, at, "lone surrogate \\u%04X (expected a \\uDC00-\\uDFFF escape after it)", hi);
    rc = hex4(p, next + 2, &lo);
    if (rc != CS_OK)
        return rc;
    if (lo < 0xDC00 || lo > 0xDFFF)
        return perr(p, at, "lone surrogate \\u%04X (expected a \\uDC00-\\uDFFF escape after it, "
                           "found \\u%04X)", hi, lo);
    *cp = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
    *width = 12;
    return CS_OK;
}

static size_t utf8_put(char *dst, unsigned cp)
{
    if (cp < 0x80) {
        dst[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        dst[0] = (char)(0xC0 | (cp >> 6));
        dst[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        dst[0] = (char)(0xE0 | (cp >> 12));
        dst[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        dst[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    dst[0] = (char)(0xF0 | (cp >> 18));
    dst[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    dst[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    dst[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

static char simple_escape(unsigned char c)
{
    switch (c) {
    case '"': return '"';
    case '\\': return '\\';
    case '/': return '/';
    case 'b': return '\b';
    case 'f': return '\f';
    case 'n': return '\n';
    case 'r': return '\r';
    case 't': return '\t';
    default: return 0;
    }
}

/* The string at p->pos (its opening quote): checked in a first pass that also measures the
 * decoded length, then decoded into the arena. */
static int parse_string(parser *p, const char **out, size_t *out_len)
{
    size_t i = p->pos + 1, n = 0;
    unsigned cp = 0;
    size_t width = 0, bad = 0;
    int rc;
    for (;;) {
        if (i >= p->len)
            return expected(p, i, "'\"' to end the string");
        unsigned c = p->s[i];
        if (c == '"')
            break;
        if (c < 0x20) {
            return perr(p, i, "expected a character or an escape in a string (found control "
                              "character 0x%02X: write it as \\u%04x)", c, c);
        } else if (c == '\\') {
            if (i + 1 < p->len && p->s[i + 1] == 'u') {
                if ((rc = unicode_escape(p, i, &cp, &width)) != CS_OK)
                    return rc;
                n += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
                i += width;
            } else if (i + 1 < p->len && simple_escape(p->s[i + 1])) {
                n++;
                i += 2;
            } else {
                return expected(p, i + 1, "an escape (one of \" \\ / b f n r t u)");
            }
        } else if (c < 0x80) {
            n++;
            i++;
        } else {
            size_t k = cs__utf8_seq(p->s + i, p->len - i, &bad);
            if (k == 0)
                return expected(p, i + bad, "valid UTF-8 in a string");
            n += k;
            i += k;
        }
    }
    size_t end = i;
    char *dst = arena_alloc(p, n + 1);
    if (!dst)
        return cs__error_oom("a JSON string", n + 1);
    size_t k = 0;
    for (i = p->pos + 1; i < end;) {
        unsigned char c = p->s[i];
        if (c != '\\') {
            dst[k++] = (char)c;
            i++;
        } else if (p->s[i + 1] == 'u') {
            unicode_escape(p, i, &cp, &width); /* checked above */
            k += utf8_put(dst + k, cp);
            i += width;
        } else {
            dst[k++] = simple_escape(p->s[i + 1]);
            i += 2;
        }
    }
    dst[k] = '\0';
    p->pos = end + 1;
    *out = dst;
    *out_len = n;
    return CS_OK;
}

static int enter(parser *p)
{
    if (++p->depth > CS__JSON_MAX_DEPTH)
        return perr(p, p->pos, "nesting deeper than %d levels", CS__JSON_MAX_DEPTH);
    p->pos++;
    return CS_OK;
}

/* Move the values pushed since `base` into the arena as the children of `out`. */
static int collect(parser *p, size_t base, cs__json *out, int object)
{
    size_t n = p->sp - base, bytes = SIZE_MAX;
    out->n = n;
    out->u.c.items = NULL;
    out->u.c.keys = NULL;
    p->depth--;
    if (n == 0)
        return CS_OK;
    if (!cs__mul_size(&bytes, n, sizeof(cs__json)) || !(out->u.c.items = arena_alloc(p, bytes)))
        return cs__error_oom("JSON values", bytes);
    if (object && (!cs__mul_size(&bytes, n, sizeof(char *)) ||
                   !(out->u.c.keys = arena_alloc(p, bytes))))
        return cs__error_oom("JSON member names", bytes);
    for (size_t i = 0; i < n; i++) {
        out->u.c.items[i] = p->stack[base + i].node;
        if (object)
            out->u.c.keys[i] = p->stack[base + i].key;
    }
    p->sp = base;
    return CS_OK;
}

static int parse_array(parser *p, cs__json *out)
{
    int rc = enter(p);
    if (rc != CS_OK)
        return rc;
    size_t base = p->sp;
    skip_ws(p);
    if (p->pos < p->len && p->s[p->pos] == ']') {
        p->pos++;
    } else {
        for (;;) {
            cs__json v;
            if ((rc = parse_value(p, &v)) != CS_OK || (rc = push(p, &v, NULL, 0)) != CS_OK)
                return rc;
            skip_ws(p);
            if (p->pos < p->len && p->s[p->pos] == ',') {
                p->pos++;
                continue;
            }
            if (p->pos < p->len && p->s[p->pos] == ']') {
                p->pos++;
                break;
            }
            return expected(p, p->pos, "',' or ']'");
        }
    }
    out->type = CS__JSON_ARRAY;
    return collect(p, base, out, 0);
}

static int compare_pending(const void *a, const void *b)
{
    const pending *x = *(const pending *const *)a, *y = *(const pending *const *)b;
    int c = strcmp(x->key, y->key);
    if (c != 0)
        return c;
    return (x->key_at > y->key_at) - (x->key_at < y->key_at);
}

/* Fail on the first member (in document order) whose name an earlier member already has. */
static int check_duplicates(parser *p, size_t base)
{
    size_t n = p->sp - base;
    const pending *dup = NULL;
    if (n <= 16) {
        for (size_t j = 1; j < n && !dup; j++)
            for (size_t i = 0; i < j; i++)
                if (strcmp(p->stack[base + i].key, p->stack[base + j].key) == 0) {
                    dup = &p->stack[base + j];
                    break;
                }
    } else {
        const pending **sorted = malloc(n * sizeof *sorted);
        if (!sorted)
            return cs__error_oom("the JSON duplicate check", n * sizeof *sorted);
        for (size_t i = 0; i < n; i++)
            sorted[i] = &p->stack[base + i];
        qsort(sorted, n, sizeof *sorted, compare_pending);
        for (size_t i = 1; i < n; i++)
            if (strcmp(sorted[i - 1]->key, sorted[i]->key) == 0 &&
                (!dup || sorted[i]->key_at < dup->key_at))
                dup = sorted[i];
        free(sorted);
    }
    if (dup)
        return perr(p, dup->key_at, "duplicate member \"%.64s\"", dup->key);
    return CS_OK;
}

static int parse_object(parser *p, cs__json *out)
{
    int rc = enter(p);
    if (rc != CS_OK)
        return rc;
    size_t base = p->sp;
    skip_ws(p);
    if (p->pos < p->len && p->s[p->pos] == '}') {
        p->pos++;
    } else {
        for (;;) {
            skip_ws(p);
            if (p->pos >= p->len || p->s[p->pos] != '"')
                return expected(p, p->pos, "a member name in double quotes");
            size_t key_at = p->pos, key_len;
            const char *key;
            if ((rc = parse_string(p, &key, &key_len)) != CS_OK)
                return rc;
            skip_ws(p);
            if (p->pos >= p->len || p->s[p->pos] != ':')
                return expected(p, p->pos, "':'");
            p->pos++;
            cs__json v;
            if ((rc = parse_value(p, &v)) != CS_OK || (rc = push(p, &v, key, key_at)) != CS_OK)
                return rc;
            skip_ws(p);
            if (p->pos < p->len && p->s[p->pos] == ',') {
                p->pos++;
                continue;
            }
            if (p->pos < p->len && p->s[p->pos] == '}') {
                p->pos++;
                break;
            }
            return expected(p, p->pos, "',' or '}'");
        }
    }
    if ((rc = check_duplicates(p, base)) != CS_OK)
        return rc;
    out->type = CS__JSON_OBJECT;
    return collect(p, base, out, 1);
}

static int parse_value(parser *p, cs__json *out)
{
    memset(out, 0, sizeof *out);
    skip_ws(p);
    if (p->pos >= p->len)
        return expected(p, p->pos, "a value");
    switch (p->s[p->pos]) {
    case '{': return parse_object(p, out);
    case '[': return parse_array(p, out);
    case '"': out->type = CS__JSON_STRING; return parse_string(p, &out->u.str, &out->n);
    case 't': return parse_literal(p, "true", out);
    case 'f': return parse_literal(p, "false", out);
    case 'n': return parse_literal(p, "null", out);
    default:
        if (p->s[p->pos] == '-' || is_digit(p, p->pos))
            return parse_number(p, out);
        return expected(p, p->pos, "a value");
    }
}

int cs__json_parse(cs__json **out, const char *text, size_t len, const char *what)
{
    if (!out)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs__json_parse: out is NULL");
    *out = NULL;
    if (!what)
        what = "JSON";
    if (!text && len > 0)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: text is NULL but its length is %zu", what, len);
    if (len > CS__JSON_MAX_TEXT)
        return cs__error(CS_ERR_OVERFLOW, "%s: %zu bytes of JSON is more than the %zu bytes allowed",
                         what, len, CS__JSON_MAX_TEXT);
    json_doc *doc = malloc(sizeof *doc);
    if (!doc)
        return cs__error_oom("a JSON document", sizeof *doc);
    parser p;
    memset(&p, 0, sizeof p);
    p.s = (const unsigned char *)(text ? text : "");
    p.len = len;
    p.what = what;
    int rc = parse_value(&p, &doc->root);
    if (rc == CS_OK) {
        skip_ws(&p);
        if (p.pos < p.len)
            rc = expected(&p, p.pos, "end of input");
    }
    free(p.stack);
    if (rc != CS_OK) {
        arena_free(p.arena);
        free(doc);
        return rc;
    }
    doc->blocks = p.arena;
    *out = &doc->root;
    return CS_OK;
}

void cs__json_free(cs__json *root)
{
    if (!root)
        return;
    json_doc *doc = (json_doc *)root;
    arena_free(doc->blocks);
    free(doc);
}

cs__json_type cs__json_type_of(const cs__json *v)
{
    return v ? v->type : CS__JSON_NULL;
}

const char *cs__json_type_name(cs__json_type type)
{
    switch (type) {
    case CS__JSON_NULL: return "null";
    case CS__JSON_BOOL: return "a bool";
    case CS__JSON_NUMBER: return "a number";
    case CS__JSON_STRING: return "a string";
    case CS__JSON_ARRAY: return "an array";
    case CS__JSON_OBJECT: return "an object";
    }
    return "an unknown value";
}

const cs__json *cs__json_get(const cs__json *obj, const char *key)
{
    if (!obj || obj->type != CS__JSON_OBJECT || !key)
        return NULL;
    for (size_t i = 0; i < obj->n; i++)
        if (strcmp(obj->u.c.keys[i], key) == 0)
            return &obj->u.c.items[i];
    return NULL;
}

size_t cs__json_len(const cs__json *v)
{
    return v && (v->type == CS__JSON_ARRAY || v->type == CS__JSON_OBJECT) ? v->n : 0;
}

const cs__json *cs__json_at(const cs__json *v, size_t i)
{
    return i < cs__json_len(v) ? &v->u.c.items[i] : NULL;
}

const char *cs__json_key_at(const cs__json *obj, size_t i)
{
    return obj && obj->type == CS__JSON_OBJECT && i < obj->n ? obj->u.c.keys[i] : NULL;
}

double cs__json_number(const cs__json *v)
{
    return v && v->type == CS__JSON_NUMBER ? v->u.num : NAN;
}

const char *cs__json_string(const cs__json *v)
{
    return v && v->type == CS__JSON_STRING ? v->u.str : NULL;
}

int cs__json_bool(const cs__json *v)
{
    return v && v->type == CS__JSON_BOOL ? v->u.b : -1;
}

/* ---- typed lookups ---- */

static int member(const cs__json **v, const cs__json *obj, const char *key, const char **what)
{
    if (!*what)
        *what = "JSON";
    if (!key)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: member name is NULL", *what);
    if (cs__json_type_of(obj) != CS__JSON_OBJECT)
        return cs__error(CS_ERR_FORMAT, "%s: expected an object holding member \"%s\" (got %s)",
                         *what, key, cs__json_type_name(cs__json_type_of(obj)));
    *v = cs__json_get(obj, key);
    if (!*v)
        return cs__error(CS_ERR_FORMAT, "%s: member \"%s\" is missing", *what, key);
    return CS_OK;
}

static int wrong_type(const cs__json *v, const char *key, const char *want, const char *what)
{
    return cs__error(CS_ERR_FORMAT, "%s: member \"%s\" must be %s (got %s)", what, key, want,
                     cs__json_type_name(v->type));
}

int cs__json_get_number(const cs__json *obj, const char *key, double *out, const char *what)
{
    const cs__json *v;
    int rc = member(&v, obj, key, &what);
    if (rc != CS_OK)
        return rc;
    if (v->type == CS__JSON_NULL) {
        *out = NAN;
        return CS_OK;
    }
    if (v->type != CS__JSON_NUMBER)
        return wrong_type(v, key, "a number", what);
    *out = v->u.num;
    return CS_OK;
}

int cs__json_get_int(const cs__json *obj, const char *key, long long lo, long long hi,
                     long long *out, const char *what)
{
    const cs__json *v;
    int rc = member(&v, obj, key, &what);
    if (rc != CS_OK)
        return rc;
    char got[48];
    if (v->type == CS__JSON_NUMBER) {
        double d = v->u.num;
        /* [-2^63, 2^63): the doubles that convert to long long without overflow */
        if (d == floor(d) && d >= -9223372036854775808.0 && d < 9223372036854775808.0) {
            long long x = (long long)d;
            if (x >= lo && x <= hi) {
                *out = x;
                return CS_OK;
            }
        }
        cs__num_format_double(got, sizeof got, d);
    } else {
        snprintf(got, sizeof got, "%s", cs__json_type_name(v->type));
    }
    return cs__error(CS_ERR_FORMAT, "%s: member \"%s\" must be an integer in [%lld, %lld] (got %s)",
                     what, key, lo, hi, got);
}

int cs__json_get_string(const cs__json *obj, const char *key, const char **out, const char *what)
{
    const cs__json *v;
    int rc = member(&v, obj, key, &what);
    if (rc != CS_OK)
        return rc;
    if (v->type != CS__JSON_STRING)
        return wrong_type(v, key, "a string", what);
    *out = v->u.str;
    return CS_OK;
}

int cs__json_get_array(const cs__json *obj, const char *key, const cs__json **out, const char *what)
{
    const cs__json *v;
    int rc = member(&v, obj, key, &what);
    if (rc != CS_OK)
        return rc;
    if (v->type != CS__JSON_ARRAY)
        return wrong_type(v, key, "an array", what);
    *out = v;
    return CS_OK;
}

int cs__json_get_object(const cs__json *obj, const char *key, const cs__json **out,
                        const char *what)
{
    const cs__json *v;
    int rc = member(&v, obj, key, &what);
    if (rc != CS_OK)
        return rc;
    if (v->type != CS__JSON_OBJECT)
        return wrong_type(v, key, "an object", what);
    *out = v;
    return CS_OK;
}

int cs__json_numbers(const cs__json *arr, double *out, size_t n, const char *what)
{
    if (!what)
        what = "JSON";
    if (!out && n > 0)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: output for %zu numbers is NULL", what, n);
    if (cs__json_type_of(arr) != CS__JSON_ARRAY)
        return cs__error(CS_ERR_FORMAT, "%s: expected an array of %zu numbers (got %s)", what, n,
                         cs__json_type_name(cs__json_type_of(arr)));
    if (arr->n != n)
        return cs__error(CS_ERR_FORMAT, "%s: expected an array of %zu numbers (got %zu elements)",
                         what, n, arr->n);
    for (size_t i = 0; i < n; i++) {
        cs__json_type t = arr->u.c.items[i].type;
        if (t != CS__JSON_NUMBER && t != CS__JSON_NULL)
            return cs__error(CS_ERR_FORMAT, "%s: element %zu must be a number (got %s)", what, i,
                             cs__json_type_name(t));
    }
    for (size_t i = 0; i < n; i++)
        out[i] = arr->u.c.items[i].type == CS__JSON_NUMBER ? arr->u.c.items[i].u.num : NAN;
    return CS_OK;
}
