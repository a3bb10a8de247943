package dev.kindling.agent.registry;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.ecr.EcrClient;
import software.amazon.awssdk.services.ecr.model.AuthorizationData;

/**
 * Credentials for Amazon ECR registries: an authorization token from the ECR API (GetAuthorizationToken), which
 * is a base64 "AWS:password" pair valid for 12 hours. The token is cached and fetched again {@code refreshBefore}
 * ahead of its expiry, so a long pull never starts with a token about to lapse.
 */
public final class EcrCredentials implements RegistryCredentials {

    /** ECR registry hosts: {@code <account>.dkr.ecr[-fips].<region>.amazonaws.com[.cn]}. */
    public static final Predicate<String> ECR_HOSTS = Pattern
            .compile("^\\d{12}\\.dkr\\.ecr(-fips)?\\.[a-z0-9-]+\\.amazonaws\\.com(\\.cn)?$").asMatchPredicate();

    private final EcrClient ecr;
    private final Predicate<String> appliesTo;
    private final Clock clock;
    private final Duration refreshBefore;
    private Basic cached;
    private Instant expiresAt;

    public EcrCredentials(EcrClient ecr, Predicate<String> appliesTo, Clock clock, Duration refreshBefore) {
        this.ecr = ecr;
        this.appliesTo = appliesTo;
        this.clock = clock;
        this.refreshBefore = refreshBefore;
    }

    /** For ECR hosts, refreshing 30 minutes before a token expires. */
    public EcrCredentials(EcrClient ecr) {
        this(ecr, ECR_HOSTS, Clock.systemUTC(), Duration.ofMinutes(30));
    }

    @Override
    public synchronized Optional<Basic> forRegistry(String registry) {
        if (!appliesTo.test(registry)) return Optional.empty();
        if (cached == null || !clock.instant().isBefore(expiresAt.minus(refreshBefore))) {
            refresh(registry);
        }
        return Optional.of(cached);
    }

    private void refresh(String registry) {
        AuthorizationData data;
        try {
            data = ecr.getAuthorizationToken().authorizationData().stream().findFirst().orElseThrow(() ->
                    new RegistryException("ECR GetAuthorizationToken for " + registry + " returned no authorization data", 0));
        } catch (SdkException e) {
            throw new RegistryException("ECR GetAuthorizationToken for " + registry + " failed: " + e.getMessage(), 0, e);
        }
        String decoded = new String(Base64.getDecoder().decode(data.authorizationToken()), StandardCharsets.UTF_8);
        int colon = decoded.indexOf(':');
        if (colon < 0) {
            throw new RegistryException("ECR authorization token for " + registry + " is not user:password", 0);
        }
        cached = new Basic(decoded.substring(0, colon), decoded.substring(colon + 1));
        expiresAt = data.expiresAt() != null ? data.expiresAt() : clock.instant().plus(Duration.ofHours(12));
    }
}
