/* JSON as nft's library (jansson) writes and reads it, small enough to
 * read at once.
 *
 * Writing: values are appended to a qt_buf in jansson's default layout
 * (", " and ": " between items, keys in the order written, strings
 * escaped as jansson escapes them). The caller writes the punctuation
 * of objects and arrays itself; only strings need a helper.
 *
 * Reading: a whole document (an object or an array at the top, as
 * jansson reads without JSON_DECODE_ANY) into a tree whose objects keep
 * their keys in input order. Whatever jansson refuses is refused: bad
 * UTF-8, \u0000, numbers out of range, text after the document. */
#ifndef QT_JSON_H
#define QT_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

/* A string in double quotes, escaped. */
void qt_json_put_str(struct qt_buf *b, const char *s);
void qt_json_put_strn(struct qt_buf *b, const char *s, size_t n);

enum qt_json_type {
	QT_JSON_OBJECT, QT_JSON_ARRAY, QT_JSON_STRING, QT_JSON_INTEGER,
	QT_JSON_REAL, QT_JSON_TRUE, QT_JSON_FALSE, QT_JSON_NULL
};

struct qt_json {
	enum qt_json_type type;
	long long i;                 /* integer */
	double r;                    /* real */
	char *s;                     /* string (NUL-terminated) */
	/* array items; object values with their keys (keys[k] for
	 * items[k]), in input order, a repeated key once */
	struct qt_json **items;
	char **keys;
	unsigned n;
};

struct qt_json_error {
	int line, column;            /* 1-based, where the error was seen */
	char text[128];
};

/* The document in text[0..len): NULL (with err filled) when jansson
 * would not load it. */
struct qt_json *qt_json_parse(const char *text, size_t len,
			      struct qt_json_error *err);
void qt_json_free(struct qt_json *v);

/* v as jansson dumps it without flags: `{"a": 1, "b": [true, null]}`. */
void qt_json_dump(const struct qt_json *v, struct qt_buf *b);

/* An object's value for key, or NULL (also when v is no object). */
const struct qt_json *qt_json_get(const struct qt_json *v, const char *key);
/* As jansson names a type in its messages ("object", "integer"). */
const char *qt_json_type_name(enum qt_json_type t);

#endif
