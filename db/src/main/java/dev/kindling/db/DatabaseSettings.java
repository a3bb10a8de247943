package dev.kindling.db;

import java.nio.file.Path;

/**
 * Where the control plane's PostgreSQL is. With no {@code url}, Kindling runs an embedded PostgreSQL whose data
 * lives in {@code embeddedDataDirectory}, so a restart keeps everything.
 *
 * @param url JDBC-style URL of an external database ({@code jdbc:postgresql://host:5432/kindling} or
 *            {@code postgresql://host:5432/kindling}); blank for the embedded default
 * @param poolMaxSize most R2DBC connections the control plane opens
 */
public record DatabaseSettings(String url, String username, String password, Path embeddedDataDirectory,
                               int poolMaxSize) {

    public boolean embedded() {
        return url == null || url.isBlank();
    }
}
