package dev.kindling.agent.registry;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

/**
 * Where a registry client gets a user name and password for a registry host: none (anonymous), fixed ones, or a
 * source that refreshes them (ECR's authorization tokens last 12 hours).
 */
@FunctionalInterface
public interface RegistryCredentials {

    /** A user name and password for Basic auth, or for the token endpoint of a Bearer challenge. */
    record Basic(String username, String password) {
        public String header() {
            return "Basic " + Base64.getEncoder().encodeToString((username + ":" + password).getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String toString() {
            return "Basic[" + username + ", ****]";
        }
    }

    Optional<Basic> forRegistry(String registry);

    static RegistryCredentials anonymous() {
        return registry -> Optional.empty();
    }

    static RegistryCredentials fixed(String username, String password) {
        Basic basic = new Basic(username, password);
        return registry -> Optional.of(basic);
    }
}
