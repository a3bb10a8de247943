package dev.kindling.db;

/** The database could not be started, reached or migrated; the message says which and where. */
public class DatabaseException extends RuntimeException {
    public DatabaseException(String message, Throwable cause) {
        super(message, cause);
    }
}
