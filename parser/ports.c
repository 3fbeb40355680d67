/* Port and service parsing shared by tcp, udp, multiport and others. */
#include <arpa/inet.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>

#include "ext.h"

int qt_port_parse(const char *s, const char *proto)
{
	struct servent *se = getservbyname(s, proto);
	if (se)
		return ntohs((uint16_t)se->s_port);
	uint64_t v;
	if (qt_parse_uint_any(s, 0, 65535, &v))
		return (int)v;
	return -1;
}

int qt_port_range_parse(const char *s, const char *proto, uint16_t ports[2],
			struct qt_ctx *ctx)
{
	char *buf = strdup(s);
	if (!buf)
		abort();
	char *colon = strchr(buf, ':');
	int a, b;
	if (!colon) {
		a = b = qt_port_parse(buf, proto);
		if (a < 0)
			goto bad_first;
	} else {
		*colon = '\0';
		a = buf[0] ? qt_port_parse(buf, proto) : 0;
		if (a < 0)
			goto bad_first;
		b = colon[1] ? qt_port_parse(colon + 1, proto) : 0xFFFF;
		if (b < 0) {
			qt_param_error(ctx, "invalid port/service `%s' specified",
				       colon + 1);
			free(buf);
			return -1;
		}
		if (a > b) {
			free(buf);
			return qt_param_error(ctx, "invalid portrange (min > max)");
		}
	}
	ports[0] = (uint16_t)a;
	ports[1] = (uint16_t)b;
	free(buf);
	return 0;
bad_first:
	qt_param_error(ctx, "invalid port/service `%s' specified", buf);
	free(buf);
	return -1;
}

void qt_port_print(struct qt_buf *b, uint16_t port, const char *proto,
		   bool numeric)
{
	struct servent *se;
	if (!numeric && (se = getservbyport(htons(port), proto)))
		qt_buf_puts(b, se->s_name);
	else
		qt_buf_printf(b, "%u", port);
}
