package org.streamkit.sync.server.internal;

import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * Hands committed changes to the open event streams of their customer. Each stream has a bounded queue;
 * a stream that falls that far behind is ended (its client resumes from its last event id and gets the
 * rest from the store), so a slow reader never holds up writes or memory.
 */
public final class EventHub {

    private static final int QUEUE_SIZE = 10_000;

    private final List<Subscription> subscriptions = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    /** One open stream. */
    public final class Subscription implements AutoCloseable {
        private final String customer;
        private final BlockingQueue<ConfigStore.Change> queue = new ArrayBlockingQueue<>(QUEUE_SIZE);
        private volatile boolean ended;

        Subscription(String customer) {
            this.customer = customer;
        }

        /**
         * Waits for the next change.
         *
         * @return the change, or {@code null} when none came within the timeout
         * @throws EndedException when the stream must end (server stopping, client gone, or too far behind)
         */
        public ConfigStore.Change next(long timeout, TimeUnit unit) throws InterruptedException, EndedException {
            if (ended) {
                throw new EndedException();
            }
            ConfigStore.Change change = queue.poll(timeout, unit);
            if ((change == null && ended) || (change != null && change.sequence() < 0)) {
                throw new EndedException();
            }
            return change;
        }

        void offer(ConfigStore.Change change) {
            if (!queue.offer(change)) {
                end();
            }
        }

        /** Ends the stream; a waiting {@link #next} returns at once. */
        public void end() {
            ended = true;
            // Wakes a waiting reader; if the queue is full, the reader is not waiting anyway.
            queue.offer(new ConfigStore.Change(customer, -1, "", "", java.time.Instant.EPOCH, false));
        }

        @Override
        public void close() {
            subscriptions.remove(this);
        }
    }

    /** The stream must end. */
    public static final class EndedException extends Exception {
        private static final long serialVersionUID = 1L;
    }

    /**
     * @return a new subscription for the customer's changes
     * @throws EndedException when the hub is already closed
     */
    public Subscription subscribe(String customer) throws EndedException {
        Subscription s = new Subscription(customer);
        subscriptions.add(s);
        if (closed) {
            subscriptions.remove(s);
            throw new EndedException();
        }
        return s;
    }

    /** Called after each commit, in sequence order. */
    public void publish(ConfigStore.Change change) {
        for (Subscription s : subscriptions) {
            if (s.customer.equals(change.customer())) {
                s.offer(change);
            }
        }
    }

    /** Ends every stream; later subscriptions are refused. */
    public void close() {
        closed = true;
        for (Subscription s : subscriptions) {
            s.end();
        }
    }

    /** @return how many streams are open */
    public int size() {
        return subscriptions.size();
    }
}
