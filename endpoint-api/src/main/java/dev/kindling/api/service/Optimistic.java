package dev.kindling.api.service;

import java.util.function.Function;
import java.util.function.Supplier;
import reactor.core.publisher.Mono;

/**
 * Read-modify-write with a version check. With If-Match, the version read must be the one demanded and a lost
 * race is a 412. Without it, a lost race reads again and retries, so concurrent writers never undo each other.
 */
final class Optimistic {

    private static final int ATTEMPTS = 10;

    private Optimistic() {}

    interface Write<T> {
        /** Computes the new state from the current one (may throw ApiException) and writes it; false if raced. */
        Mono<Boolean> apply(T current);
    }

    static <T> Mono<T> update(Supplier<Mono<T>> read, Function<T, Long> version, Long ifMatch, String kind, String name,
                              Write<T> write) {
        return attempt(read, version, ifMatch, kind, name, write, 1);
    }

    private static <T> Mono<T> attempt(Supplier<Mono<T>> read, Function<T, Long> version, Long ifMatch, String kind,
                                       String name, Write<T> write, int n) {
        return read.get()
                .switchIfEmpty(Mono.error(() -> ApiException.notFound(kind, name)))
                .flatMap(current -> {
                    if (ifMatch != null && ifMatch.longValue() != version.apply(current)) {
                        return Mono.error(ApiException.preconditionFailed(kind, name, version.apply(current)));
                    }
                    return write.apply(current).flatMap(ok -> {
                        if (ok) return read.get();
                        if (ifMatch != null) {
                            return read.get().flatMap(now -> Mono.<T>error(
                                    ApiException.preconditionFailed(kind, name, version.apply(now))));
                        }
                        if (n >= ATTEMPTS) {
                            return Mono.error(ApiException.conflict(kind + " " + name
                                    + " is changing too fast to update; retry"));
                        }
                        return attempt(read, version, null, kind, name, write, n + 1);
                    });
                });
    }
}
