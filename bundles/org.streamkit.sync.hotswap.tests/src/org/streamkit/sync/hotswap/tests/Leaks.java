package org.streamkit.sync.hotswap.tests;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.streamkit.sync.server.StreamkitServer;

/**
 * What a bundle can leave behind in this process once it is gone, seen from outside its code: threads,
 * open files under a folder, a file lock, TCP connections to a port. Files and sockets are read from
 * {@code /proc/self} (Linux, the product's platform).
 */
final class Leaks {

    private static final Path FDS = Path.of("/proc/self/fd");

    private Leaks() {
    }

    /** @return whether this process's open files can be inspected here */
    static boolean procAvailable() {
        return Files.isDirectory(FDS);
    }

    // ---------------------------------------------------------------- threads

    /** @return every live thread */
    static Set<Thread> threads() {
        return new HashSet<>(Thread.getAllStackTraces().keySet());
    }

    /**
     * Threads that belong to no tier although a tier's work may be what starts them: EventAdmin starts its
     * dispatcher on the first event posted to a handler and keeps it while it runs, and the local API server
     * is the cloud tier's peer in this test, with a pool that grows and shrinks with the load.
     */
    private static final List<String> NOT_A_TIERS = List.of("EventAdmin Async Event Dispatcher Thread",
            StreamkitServer.THREAD_NAME_PREFIX);

    /** @return the threads alive now that were not in {@code before}, leaving out those of {@link #NOT_A_TIERS} */
    static Set<Thread> startedSince(Set<Thread> before) {
        Set<Thread> started = threads();
        started.removeAll(before);
        started.removeIf(t -> NOT_A_TIERS.stream().anyMatch(t.getName()::startsWith));
        return started;
    }

    /** @return the threads of {@code candidates} still alive */
    static List<Thread> alive(Set<Thread> candidates) {
        return candidates.stream().filter(Thread::isAlive).toList();
    }

    /** @return the threads named with where each one is (its top frames), for a failure message */
    static String describe(List<Thread> threads) {
        return threads.stream().map(t -> {
            StackTraceElement[] stack = t.getStackTrace();
            return "'" + t.getName() + "' at " + Arrays.stream(stack).limit(6).map(String::valueOf)
                    .collect(Collectors.joining(" < "));
        }).collect(Collectors.joining("; "));
    }

    // ---------------------------------------------------------------- files

    /** @return the targets of this process's open file descriptors that lie under {@code folder} */
    static List<String> openFilesUnder(Path folder) {
        Path real;
        try {
            real = folder.toRealPath();
        } catch (IOException e) {
            real = folder.toAbsolutePath().normalize();
        }
        List<String> found = new ArrayList<>();
        for (String target : descriptorTargets()) {
            if (target.startsWith(real + "/") || target.equals(real.toString())) {
                found.add(target);
            }
        }
        return found;
    }

    private static List<String> descriptorTargets() {
        List<String> targets = new ArrayList<>();
        try (Stream<Path> fds = Files.list(FDS)) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                try {
                    targets.add(Files.readSymbolicLink(fd).toString());
                } catch (NoSuchFileException e) {
                    // closed while listing
                } catch (IOException e) {
                    // not readable: not one of ours
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("Could not list " + FDS, e);
        }
        return targets;
    }

    /**
     * Tries to lock a lock file the way a second opener would. Within one process a lock still held by
     * another channel makes {@code tryLock} throw {@link OverlappingFileLockException}.
     *
     * @return whether the lock could be taken (it is released again at once)
     */
    static boolean lockFree(Path lockFile) {
        try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.WRITE)) {
            FileLock lock = channel.tryLock();
            if (lock == null) {
                return false; // held by another process
            }
            lock.release();
            return true;
        } catch (OverlappingFileLockException e) {
            return false;
        } catch (IOException e) {
            throw new IllegalStateException("Could not open " + lockFile, e);
        }
    }

    // ---------------------------------------------------------------- sockets

    /**
     * @return the socket inodes of this process's TCP connections to {@code port} on this machine (the
     *         client side; the server's accepted sockets have the port as their local one)
     */
    static Set<String> connectionsTo(int port) {
        Set<String> mine = new HashSet<>();
        for (String target : descriptorTargets()) {
            if (target.startsWith("socket:[")) {
                mine.add(target.substring("socket:[".length(), target.length() - 1));
            }
        }
        Set<String> found = new HashSet<>();
        for (String table : List.of("/proc/self/net/tcp", "/proc/self/net/tcp6")) {
            List<String> lines;
            try {
                lines = Files.readAllLines(Path.of(table));
            } catch (IOException e) {
                continue; // no IPv6 here
            }
            for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
                String[] columns = line.trim().split("\\s+");
                if (columns.length < 10) {
                    continue;
                }
                String remote = columns[2];
                int remotePort = Integer.parseInt(remote.substring(remote.indexOf(':') + 1), 16);
                if (remotePort == port && mine.contains(columns[9])) {
                    found.add(columns[9]);
                }
            }
        }
        return found;
    }
}
