/* util/json: strings written as jansson writes them; documents read
 * as jansson (flags 0) reads them: what it loads is loaded with its
 * values and key order, what it refuses is refused. */
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "tap.h"

static const char *written(const char *s, size_t n)
{
	static struct qt_buf b;
	qt_buf_free(&b);
	qt_buf_init(&b);
	qt_json_put_strn(&b, s, n);
	return qt_buf_str(&b);
}

static bool loads(const char *text)
{
	struct qt_json_error err;
	struct qt_json *v = qt_json_parse(text, strlen(text), &err);
	qt_json_free(v);
	return v != NULL;
}

int main(void)
{
	is_str(written("a\"b\\c", 5), "\"a\\\"b\\\\c\"", "quote and backslash escaped");
	is_str(written("t\tn\nr\rb\bf\f", 10), "\"t\\tn\\nr\\rb\\bf\\f\"",
	       "the short escapes");
	is_str(written("\x01\x1f", 2), "\"\\u0001\\u001F\"",
	       "other control characters as \\u00XX, upper case");
	is_str(written("a/b \xc3\xa9", 6), "\"a/b \xc3\xa9\"",
	       "slash and UTF-8 as they are");

	struct qt_json_error err;
	const char *doc = "{\"nftables\": [{\"add\": {\"table\": {\"family\": "
			  "\"ip\", \"name\": \"t\"}}}, 22, -5, 1.5, true, "
			  "false, null, \"\\u00e9\\ud83d\\ude00\"],\n"
			  " \"b\": 1, \"a\": 2, \"b\": 3}";
	struct qt_json *v = qt_json_parse(doc, strlen(doc), &err);
	ok(v != NULL, "a document loads");
	if (!v)
		return done_testing();
	is_int(v->type, QT_JSON_OBJECT, "an object");
	is_int(v->n, 3, "a repeated key counts once");
	is_str(v->keys[1], "b", "keys in input order");
	is_int(qt_json_get(v, "b")->i, 3, "the last value of a repeated key");
	is_str(v->keys[2], "a", "the key after it");
	const struct qt_json *a = qt_json_get(v, "nftables");
	ok(a && a->type == QT_JSON_ARRAY && a->n == 8, "an array of 8");
	const struct qt_json *t = qt_json_get(qt_json_get(a->items[0], "add"),
					      "table");
	is_str(qt_json_get(t, "name")->s, "t", "nested objects");
	is_int(a->items[1]->i, 22, "an integer");
	is_int(a->items[2]->i, -5, "a negative integer");
	ok(a->items[3]->type == QT_JSON_REAL && a->items[3]->r == 1.5, "a real");
	ok(a->items[4]->type == QT_JSON_TRUE && a->items[5]->type == QT_JSON_FALSE &&
	   a->items[6]->type == QT_JSON_NULL, "true, false, null");
	is_str(a->items[7]->s, "\xc3\xa9\xf0\x9f\x98\x80",
	       "\\u escapes and a surrogate pair as UTF-8");
	is_str(qt_json_type_name(a->items[1]->type), "integer",
	       "types named as jansson names them");
	struct qt_buf dump;
	qt_buf_init(&dump);
	qt_json_dump(v, &dump);
	is_str(qt_buf_str(&dump), "{\"nftables\": [{\"add\": {\"table\": "
	       "{\"family\": \"ip\", \"name\": \"t\"}}}, 22, -5, 1.5, true, "
	       "false, null, \"\xc3\xa9\xf0\x9f\x98\x80\"], \"b\": 3, \"a\": 2}",
	       "dumped back as jansson dumps it");
	qt_buf_free(&dump);
	qt_json_free(v);

	ok(loads("[]") && loads(" {} \n"), "empty containers, spaces around");
	ok(!loads(""), "empty input is refused");
	ok(!loads("1") && !loads("\"s\"") && !loads("null"),
	   "a bare value is refused (no JSON_DECODE_ANY)");
	ok(!loads("{\"a\": 1} x"), "text after the document is refused");
	ok(!loads("{\"a\": 1"), "a document cut short is refused");
	ok(!loads("{\"a\": 1,}") && !loads("[1,]"), "trailing commas are refused");
	ok(!loads("{a: 1}") && !loads("{'a': 1}"), "unquoted keys are refused");
	ok(!loads("[01]") && !loads("[1.]") && !loads("[.5]") && !loads("[1e]"),
	   "malformed numbers are refused");
	ok(!loads("[99999999999999999999]"), "an integer too big is refused");
	ok(!loads("[1e999]"), "a real out of range is refused");
	ok(!loads("[\"\\u0000\"]"), "\\u0000 is refused");
	ok(!loads("[\"\xff\"]") && !loads("[\"\xc0\xaf\"]"),
	   "bad UTF-8 is refused");
	ok(!loads("[\"\\ud800\"]"), "a lone surrogate is refused");
	ok(!loads("[\"a\nb\"]"), "a raw control character in a string is refused");
	ok(!loads("[tru]") && !loads("[nul]"), "cut literals are refused");
	ok(loads("{\"nftables\": [{\"list\": {\"ruleset\": null}}]}"),
	   "nft's own list command loads");

	struct qt_buf deep;
	qt_buf_init(&deep);
	for (int i = 0; i < 3000; i++)
		qt_buf_putc(&deep, '[');
	for (int i = 0; i < 3000; i++)
		qt_buf_putc(&deep, ']');
	ok(!qt_json_parse(qt_buf_str(&deep), deep.len, &err),
	   "nesting past jansson's depth is refused");
	qt_buf_free(&deep);
	return done_testing();
}
