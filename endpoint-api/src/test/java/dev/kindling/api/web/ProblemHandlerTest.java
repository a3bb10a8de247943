package dev.kindling.api.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kindling.api.service.ApiException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;

/** Refusals that the API tests cannot provoke at will, mapped to their problem documents. */
class ProblemHandlerTest {

    private final ProblemHandler handler = new ProblemHandler();
    private final MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/v1/endpoints/x"));

    @Test
    void anUnreachableDatabaseIsA503TheCallerMayRetry() {
        ResponseEntity<ProblemDetail> r = handler.databaseUnavailable(
                new DataAccessResourceFailureException("Failed to obtain R2DBC Connection"), exchange);
        assertThat(r.getStatusCode().value()).isEqualTo(503);
        assertThat(r.getHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
        assertThat(r.getBody().getType().toString()).isEqualTo("https://kindling.dev/problems/database-unavailable");
        assertThat(r.getBody().getInstance().toString()).isEqualTo("/v1/endpoints/x");
    }

    @Test
    void anUnexpectedFailureIsA500ThatLeaksNoInternals() {
        ResponseEntity<ProblemDetail> r = handler.unexpected(new IllegalStateException("secret internals"), exchange);
        assertThat(r.getStatusCode().value()).isEqualTo(500);
        assertThat(r.getBody().getDetail()).doesNotContain("secret");
    }

    @Test
    void eachCodeHasItsStatusAndType() {
        for (var e : List.of(ApiException.notFound("endpoint", "x"), ApiException.alreadyExists("endpoint", "x"),
                ApiException.conflict("busy"), ApiException.preconditionFailed("endpoint", "x", 3),
                ApiException.upstreamFailed("pulling manifest 1 of registry.example.com/x: HTTP 500"))) {
            ResponseEntity<ProblemDetail> r = handler.api(e, exchange);
            assertThat(r.getStatusCode().value()).isEqualTo(e.code().status);
            assertThat(r.getBody().getType().toString()).startsWith("https://kindling.dev/problems/");
            assertThat(r.getBody().getProperties()).as("no errors list without violations").isNull();
        }
    }
}
