package dev.kindling.db.model;

/** How long a copy may take to download its model, and then to pass its first health check. */
public record StartupParameters(int modelDataDownloadTimeoutInSeconds, int containerStartupHealthCheckTimeoutInSeconds) {

    public static final int DEFAULT_TIMEOUT_SECONDS = 600;
}
