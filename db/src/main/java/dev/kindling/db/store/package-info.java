/** Reactive stores over the control plane's tables, one per table, with keyset-paginated listings. */
package dev.kindling.db.store;
