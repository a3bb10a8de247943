/** The control plane's stored records: what the API writes and the reconciler reads. */
package dev.kindling.db.model;
