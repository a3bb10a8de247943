/** What the API does: validates requests, reads and writes the stores, wakes the reconciler. */
package dev.kindling.api.service;
