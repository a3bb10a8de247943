/** PostgreSQL for the control plane: embedded by default or external by URL, migrated by Flyway at start. */
package dev.kindling.db;
