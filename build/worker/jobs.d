build/worker/jobs.o: src/worker/jobs.c src/worker/worker.h \
 src/util/config.h
src/worker/worker.h:
src/util/config.h:
