package dev.kindling.api.web;

import dev.kindling.api.service.Etags;
import java.net.URI;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;

/** Response helpers: ETag on every versioned resource, Location on creation. */
final class Responses {

    private Responses() {}

    static <T> ResponseEntity<T> ok(T body, long version) {
        return ResponseEntity.ok().eTag(Etags.of(version)).body(body);
    }

    static <T> ResponseEntity<T> created(String location, T body, long version) {
        return ResponseEntity.created(URI.create(location)).eTag(Etags.of(version)).body(body);
    }

    static <T> ResponseEntity<T> accepted(T body, long version) {
        return ResponseEntity.status(HttpStatus.ACCEPTED).eTag(Etags.of(version)).body(body);
    }
}
