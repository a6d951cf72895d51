build/web/dispatch.o: src/web/dispatch.c src/crypto/crypto.h \
 src/store/db.h src/util/log.h src/util/util.h src/util/timeutil.h \
 src/web/web.h /usr/include/ClearSilver/ClearSilver.h \
 /usr/include/ClearSilver/cs_config.h \
 /usr/include/ClearSilver/util/neo_misc.h \
 /usr/include/ClearSilver/util/neo_err.h \
 /usr/include/ClearSilver/util/neo_misc.h \
 /usr/include/ClearSilver/util/neo_str.h \
 /usr/include/ClearSilver/util/ulist.h \
 /usr/include/ClearSilver/util/neo_err.h \
 /usr/include/ClearSilver/util/neo_date.h \
 /usr/include/ClearSilver/util/neo_files.h \
 /usr/include/ClearSilver/util/neo_hash.h \
 /usr/include/ClearSilver/util/neo_hdf.h \
 /usr/include/ClearSilver/util/neo_hash.h \
 /usr/include/ClearSilver/util/neo_rand.h \
 /usr/include/ClearSilver/util/neo_net.h \
 /usr/include/ClearSilver/util/neo_server.h \
 /usr/include/ClearSilver/util/neo_str.h \
 /usr/include/ClearSilver/util/ulist.h \
 /usr/include/ClearSilver/util/wildmat.h \
 /usr/include/ClearSilver/util/filter.h \
 /usr/include/ClearSilver/util/ulocks.h \
 /usr/include/ClearSilver/util/rcfs.h \
 /usr/include/ClearSilver/util/skiplist.h \
 /usr/include/ClearSilver/util/dict.h /usr/include/ClearSilver/cs/cs.h \
 /usr/include/ClearSilver/util/neo_hdf.h \
 /usr/include/ClearSilver/cgi/cgi.h /usr/include/ClearSilver/cs/cs.h \
 /usr/include/ClearSilver/cgi/cgiwrap.h \
 /usr/include/ClearSilver/cgi/date.h /usr/include/ClearSilver/cgi/html.h \
 src/http/http.h src/http/form.h src/store/sessions.h src/util/config.h
src/crypto/crypto.h:
src/store/db.h:
src/util/log.h:
src/util/util.h:
src/util/timeutil.h:
src/web/web.h:
/usr/include/ClearSilver/ClearSilver.h:
/usr/include/ClearSilver/cs_config.h:
/usr/include/ClearSilver/util/neo_misc.h:
/usr/include/ClearSilver/util/neo_err.h:
/usr/include/ClearSilver/util/neo_misc.h:
/usr/include/ClearSilver/util/neo_str.h:
/usr/include/ClearSilver/util/ulist.h:
/usr/include/ClearSilver/util/neo_err.h:
/usr/include/ClearSilver/util/neo_date.h:
/usr/include/ClearSilver/util/neo_files.h:
/usr/include/ClearSilver/util/neo_hash.h:
/usr/include/ClearSilver/util/neo_hdf.h:
/usr/include/ClearSilver/util/neo_hash.h:
/usr/include/ClearSilver/util/neo_rand.h:
/usr/include/ClearSilver/util/neo_net.h:
/usr/include/ClearSilver/util/neo_server.h:
/usr/include/ClearSilver/util/neo_str.h:
/usr/include/ClearSilver/util/ulist.h:
/usr/include/ClearSilver/util/wildmat.h:
/usr/include/ClearSilver/util/filter.h:
/usr/include/ClearSilver/util/ulocks.h:
/usr/include/ClearSilver/util/rcfs.h:
/usr/include/ClearSilver/util/skiplist.h:
/usr/include/ClearSilver/util/dict.h:
/usr/include/ClearSilver/cs/cs.h:
/usr/include/ClearSilver/util/neo_hdf.h:
/usr/include/ClearSilver/cgi/cgi.h:
/usr/include/ClearSilver/cs/cs.h:
/usr/include/ClearSilver/cgi/cgiwrap.h:
/usr/include/ClearSilver/cgi/date.h:
/usr/include/ClearSilver/cgi/html.h:
src/http/http.h:
src/http/form.h:
src/store/sessions.h:
src/util/config.h:
