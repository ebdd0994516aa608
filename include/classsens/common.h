/**
 * @file classsens/common.h
 * @brief Export macro, status codes, error reporting and the runtime version query.
 *
 * Every function of libclasssens that can fail returns an `int` holding a ::cs_status value:
 * ::CS_OK (0) on success, a negative value on failure. On failure the calling thread's
 * last-error message (cs_last_error()) says precisely what went wrong: which file, which byte
 * offset, which argument, what was expected.
 */
#ifndef CLASSSENS_COMMON_H
#define CLASSSENS_COMMON_H

#include <classsens/version.h>

#ifdef __cplusplus
extern "C" {
#endif

/** @cond CS_INTERNAL */
#if defined(_WIN32) && !defined(CS_STATIC)
#  if defined(CS_BUILDING_LIBRARY)
#    define CS_API __declspec(dllexport)
#  else
#    define CS_API __declspec(dllimport)
#  endif
#elif defined(__GNUC__) && __GNUC__ >= 4
#  define CS_API __attribute__((visibility("default")))
#else
#  define CS_API
#endif
/** @endcond */

/**
 * @brief Status codes returned by every fallible function.
 *
 * The numeric values are pinned forever: new codes are only ever appended, existing ones
 * never change meaning or value, so they may be stored in files and compared across versions.
 */
typedef enum cs_status {
    CS_OK = 0,                        /**< Success. */
    CS_ERR_INVALID_ARGUMENT = -1,     /**< An argument is NULL, empty or outside its domain. */
    CS_ERR_OUT_OF_MEMORY = -2,        /**< An allocation failed. */
    CS_ERR_IO = -3,                   /**< A file could not be opened, read or written. */
    CS_ERR_NOT_FOUND = -4,            /**< A file, archive member or named item does not exist. */
    CS_ERR_FORMAT = -5,               /**< Input is not in the expected format (magic, type, layout). */
    CS_ERR_TRUNCATED = -6,            /**< Input ends before the size its header promises. */
    CS_ERR_CORRUPT = -7,              /**< Input fails an integrity check (gzip CRC, tar checksum). */
    CS_ERR_SIZE_MISMATCH = -8,        /**< Sizes that must agree do not (images vs labels, shapes). */
    CS_ERR_OUT_OF_RANGE = -9,         /**< A value lies outside its valid range (label >= classes). */
    CS_ERR_OVERFLOW = -10,            /**< A size computation would overflow. */
    CS_ERR_UNSUPPORTED = -11,         /**< A valid but unsupported variant of an input or option. */
    CS_ERR_DIVERGED = -12,            /**< Training produced a NaN or infinite loss. */
    CS_ERR_CANCELLED = -13,           /**< A progress callback asked to stop. */
    CS_ERR_STATE = -14                /**< The call is not valid in the object's current state. */
} cs_status;

/**
 * @brief Name of a status code, e.g. "CS_ERR_TRUNCATED".
 * @param status A ::cs_status value (any int is accepted).
 * @return A static string; "CS_ERR_UNKNOWN" for values that are not status codes. Never NULL.
 */
CS_API const char *cs_status_str(int status);

/**
 * @brief The message of the most recent failure on the calling thread.
 *
 * Successful calls do not clear it; cs_error_clear() does.
 * @return A thread-local string, valid until the next libclasssens call on this thread.
 *         Never NULL: "no error" when nothing has failed since the last clear.
 */
CS_API const char *cs_last_error(void);

/**
 * @brief The status of the most recent failure on the calling thread (::CS_OK if none).
 * @return The ::cs_status value that accompanied cs_last_error().
 */
CS_API int cs_last_error_status(void);

/** @brief Reset the calling thread's last error to ::CS_OK / "no error". */
CS_API void cs_error_clear(void);

/**
 * @brief The version of the library actually loaded at run time, "MAJOR.MINOR.PATCH".
 * @return A static string. Compare with ::CS_VERSION_STRING to detect a header/library mismatch.
 */
CS_API const char *cs_version_string(void);

/**
 * @brief The run-time version as MAJOR*10000 + MINOR*100 + PATCH.
 * @return The same encoding as ::CS_VERSION_NUMBER.
 */
CS_API int cs_version_number(void);

#ifdef __cplusplus
}
#endif

#endif /* CLASSSENS_COMMON_H */
