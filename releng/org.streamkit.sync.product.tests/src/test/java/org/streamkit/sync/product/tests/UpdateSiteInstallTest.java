package org.streamkit.sync.product.tests;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import javax.xml.parsers.DocumentBuilderFactory;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * Installs Streamkit Sync into a plain Eclipse workbench from the built p2 update site, the way a user does
 * it (Help &gt; Install New Software, tick the Streamkit Sync category): with the Equinox p2 director,
 * which resolves every dependency from the site and records the install in the workbench's p2 profile.
 * Then starts that workbench under the display and checks what the user gets: every installed bundle
 * resolved, the local tiers registered with their rankings and up, a config saved through the coordinator,
 * the Streamkit Configs view open and showing it.
 * <p>
 * The plain workbench (releng/org.streamkit.sync.install.workbench: the IDE application and the p2
 * director, none of our features) is copied first, so the build's copy stays plain. What happens inside
 * the started workbench is seen by a test-only probe bundle (releng/org.streamkit.sync.install.probe),
 * installed by the same director run from a repository that holds nothing else; it writes a report and
 * closes the workbench.
 */
class UpdateSiteInstallTest {

    /**
     * The tiers that must be registered once the category's features are installed, before anything is
     * configured, with their rankings. Tiers that need configuration first (cloud) are not among them; a
     * feature added to the category that registers a tier on its own adds it here.
     */
    private static final Map<String, Integer> TIERS = Map.of("memory", 500, "xodus", 400, "file", 300);
    /** Tiers registered on embedded defaults that need a program this test does not start (OBS Studio): down is fine. */
    private static final Map<String, Integer> REGISTERED_TIERS = Map.of("obs", 200);

    private static final String PROBE = "org.streamkit.sync.install.probe";
    private static final String VIEW_TITLE = "Streamkit Configs";
    private static final String SAVED_KEY = "notes/installed-from-site";
    private static final String SAVED_NAME = "Installed from the update site";

    private final Path root = Path.of(System.getProperty("streamkit.root", "../..")).toAbsolutePath().normalize();
    private final Path output = Path.of(System.getProperty("streamkit.output", "target")).toAbsolutePath();

    record Run(int code, String log) {
    }

    @Test
    void theSiteCategoryInstallsIntoAPlainWorkbenchWhereTheViewOpensOnTheRegisteredTiers() throws Exception {
        Path site = built("releng/org.streamkit.sync.site/target/repository");
        Path probeRepository = built("releng/org.streamkit.sync.install.probe.repository/target/repository");
        Path plain = built("releng/org.streamkit.sync.install.workbench/target/products/"
                + "org.streamkit.sync.install.workbench/linux/gtk/x86_64/workbench");
        try (Stream<Path> artifacts = Files.walk(probeRepository)) {
            List<String> others = artifacts.filter(Files::isRegularFile).map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".jar") && !n.startsWith("content.") && !n.startsWith("artifacts.")
                            && !n.startsWith(PROBE + "_"))
                    .toList();
            assertEquals(List.of(), others, "the probe's repository must hold only the probe, so that every"
                    + " Streamkit dependency comes from the update site");
        }
        List<String> features = categoryFeatures(root.resolve("releng/org.streamkit.sync.site/category.xml"));
        assertFalse(features.isEmpty(), "the site's category.xml lists no feature");

        assertTrue(System.getenv("DISPLAY") != null || System.getenv("WAYLAND_DISPLAY") != null,
                "the installed workbench needs a display: run the build under xvfb-run (see README)");

        Path work = output.resolve("update-site-install");
        deleteRecursively(work);
        Path workbench = work.resolve("workbench");
        copyRecursively(plain, workbench);
        assertTrue(installedBundles(workbench).keySet().stream().noneMatch(b -> b.startsWith("org.streamkit.")),
                "the workbench to install into must be plain (no Streamkit bundle): " + workbench);

        // The install: the p2 director, run by the workbench itself into its own profile.
        List<String> units = new ArrayList<>(features.stream().map(f -> f + ".feature.group").toList());
        units.add(PROBE);
        long start = System.nanoTime();
        Run install = eclipse(workbench, work.resolve("director.log"), List.of(),
                "-application", "org.eclipse.equinox.p2.director",
                "-repository", site.toUri() + "," + probeRepository.toUri(),
                "-installIU", String.join(",", units));
        long installMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertEquals(0, install.code(), () -> "the p2 director could not install " + units + " from " + site
                + ":\n" + tail(install.log()));
        assertTrue(install.log().contains("Operation completed"), () -> "the director did not finish:\n"
                + tail(install.log()));

        Map<String, String> bundlesInfo = installedBundles(workbench);
        Map<String, List<String>> pluginsOf = new LinkedHashMap<>();
        List<Executable> installed = new ArrayList<>();
        for (String feature : features) {
            Path folder = installedFeature(workbench, feature);
            pluginsOf.put(feature, featurePlugins(folder));
            installed.add(() -> assertFeatureDescribed(folder));
            for (String plugin : pluginsOf.get(feature)) {
                installed.add(() -> assertTrue(bundlesInfo.containsKey(plugin),
                        "p2 did not add " + plugin + " (feature " + feature + ") to bundles.info"));
            }
        }
        assertAll("installed from the site", installed);

        // The installed workbench, started as its launcher would (the vm arguments of its eclipse.ini).
        Path reportFile = work.resolve("probe-report.properties");
        List<String> vm = new ArrayList<>(launcherVmArgs(workbench));
        vm.add("-Dstreamkit.install.probe.report=" + reportFile);
        List<String> expectedTiers = new ArrayList<>(TIERS.keySet());
        expectedTiers.addAll(REGISTERED_TIERS.keySet());
        vm.add("-Dstreamkit.install.probe.tiers=" + String.join(",", expectedTiers));
        start = System.nanoTime();
        Run started = eclipse(workbench, work.resolve("workbench.log"), vm, "-data",
                work.resolve("workspace").toString());
        long startMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        System.out.printf("update-site install: p2 director %d ms, workbench start to close %d ms%n", installMs,
                startMs);
        if (!Files.isRegularFile(reportFile)) {
            fail("the installed workbench wrote no probe report (did it start? exit code " + started.code()
                    + "):\n" + tail(started.log()) + workspaceLog(work.resolve("workspace")));
        }
        Properties report = new Properties();
        try (Reader in = Files.newBufferedReader(reportFile, StandardCharsets.ISO_8859_1)) {
            report.load(in);
        }
        // What the probe saw, for failure messages: everything but the states of the platform's bundles.
        String seen = "the probe saw:\n" + new TreeMap<>(report).entrySet().stream()
                .map(e -> e.getKey() + " = " + e.getValue())
                .filter(e -> !e.startsWith("bundle.") || e.contains("streamkit") || e.contains(".error = "))
                .map(e -> "  " + e).collect(Collectors.joining("\n"));

        List<Executable> checks = new ArrayList<>();
        report.stringPropertyNames().stream().filter(k -> k.startsWith("error.")).sorted().forEach(k -> checks
                .add(() -> fail("the probe failed at " + k.substring(6) + ": " + report.getProperty(k))));
        pluginsOf.forEach((feature, plugins) -> plugins.forEach(plugin -> checks.add(() -> {
            String state = report.getProperty("bundle." + plugin);
            assertNotNull(state, plugin + " (feature " + feature + ") is not in the running workbench");
            assertFalse(state.equals("INSTALLED"), plugin + " (feature " + feature + ") did not resolve: "
                    + report.getProperty("bundle." + plugin + ".error"));
        })));
        TIERS.forEach((tier, ranking) -> checks.add(() -> {
            assertEquals(String.valueOf(ranking), report.getProperty("tier." + tier + ".ranking"),
                    "tier " + tier + " registered with ranking " + ranking);
            String bundle = report.getProperty("tier." + tier + ".bundle");
            assertTrue(pluginsOf.values().stream().anyMatch(plugins -> plugins.contains(bundle)),
                    "tier " + tier + " comes from a bundle of an installed feature, not " + bundle);
            assertEquals("UP", report.getProperty("tier." + tier + ".health"),
                    "tier " + tier + " is up: " + report.getProperty("tier." + tier + ".reason"));
        }));
        REGISTERED_TIERS.forEach((tier, ranking) -> checks.add(() -> {
            assertEquals(String.valueOf(ranking), report.getProperty("tier." + tier + ".ranking"),
                    "tier " + tier + " registered with ranking " + ranking);
            String bundle = report.getProperty("tier." + tier + ".bundle");
            assertTrue(pluginsOf.values().stream().anyMatch(plugins -> plugins.contains(bundle)),
                    "tier " + tier + " comes from a bundle of an installed feature, not " + bundle);
            assertTrue(report.getProperty("tier." + tier + ".health") != null, "tier " + tier + " reports its health");
        }));
        // Started by the core feature's p2.inf: without it, the coordinator and the tiers could not be configured.
        checks.add(() -> assertEquals("ACTIVE", report.getProperty("bundle.org.apache.felix.configadmin"),
                "Configuration Admin runs after the install, so the Streamkit settings can be changed"));
        checks.add(() -> assertEquals(SAVED_NAME, report.getProperty("coordinator.readBack"),
                "a config saved through the coordinator reads back"));
        checks.add(() -> assertEquals("org.streamkit.sync.ui", report.getProperty("view.bundle"),
                "the Streamkit Configs view opened from the installed UI bundle"));
        checks.add(() -> assertEquals(VIEW_TITLE, report.getProperty("view.title"), "the view's title"));
        checks.add(() -> assertEquals("Streamkit", report.getProperty("preferences.page"),
                "Window > Preferences has the Streamkit page"));
        checks.add(() -> assertEquals("Streamkit Configs", report.getProperty("wizard.export"),
                "File > Export has the Streamkit Configs wizard"));
        checks.add(() -> assertEquals("Streamkit Configs", report.getProperty("wizard.import"),
                "File > Import has the Streamkit Configs wizard"));
        checks.add(() -> assertTrue(List.of(report.getProperty("view.rows", "").split(",")).contains(SAVED_KEY),
                "the view lists the saved config"));
        checks.add(() -> {
            String status = report.getProperty("view.status", "");
            TIERS.forEach((tier, ranking) -> assertTrue(status.contains(tier + " (" + ranking + ")"),
                    "the view's status line names tier " + tier + " (" + ranking + "): " + status));
        });
        checks.add(() -> assertEquals(0, started.code(), "the workbench closed normally:\n" + tail(started.log())));
        assertAll("the installed workbench; " + seen, checks);
    }

    private Path built(String relative) {
        Path path = root.resolve(relative);
        assertTrue(Files.isDirectory(path), path + " is missing: build the reactor first (./mvnw -B verify)");
        return path;
    }

    /** @return the ids of the features the update site's category offers, in the order listed */
    static List<String> categoryFeatures(Path categoryXml) throws Exception {
        NodeList features = parse(categoryXml).getElementsByTagName("feature");
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < features.getLength(); i++) {
            ids.add(((Element) features.item(i)).getAttribute("id"));
        }
        return ids;
    }

    /** Runs the workbench's own Equinox launcher with these vm and program arguments; its output goes to {@code log}. */
    private static Run eclipse(Path workbench, Path log, List<String> vm, String... args) throws Exception {
        Path launcher;
        try (Stream<Path> plugins = Files.list(workbench.resolve("plugins"))) {
            launcher = plugins.filter(p -> p.getFileName().toString().startsWith("org.eclipse.equinox.launcher_"))
                    .findFirst().orElseThrow(() -> new AssertionError("no Equinox launcher in " + workbench));
        }
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(vm);
        command.addAll(List.of("-jar", launcher.toString(), "-nosplash", "-consoleLog"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).directory(workbench.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        process.getOutputStream().close();
        if (!process.waitFor(3, TimeUnit.MINUTES)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly().waitFor();
            fail(String.join(" ", args) + " did not end within 3 minutes:\n" + tail(Files.readString(log)));
        }
        return new Run(process.exitValue(), Files.readString(log));
    }

    /** @return the vm arguments of the workbench's eclipse.ini (what its native launcher would pass) */
    private static List<String> launcherVmArgs(Path workbench) throws IOException {
        Path ini = workbench.resolve("eclipse.ini");
        if (!Files.exists(ini)) {
            return List.of();
        }
        List<String> lines = Files.readAllLines(ini).stream().map(String::strip).filter(l -> !l.isEmpty()).toList();
        int vmargs = lines.indexOf("-vmargs");
        return vmargs < 0 ? List.of() : lines.subList(vmargs + 1, lines.size());
    }

    /** @return symbolic name to version of every bundle in the workbench's bundles.info */
    private static Map<String, String> installedBundles(Path workbench) throws IOException {
        Path info = workbench.resolve("configuration/org.eclipse.equinox.simpleconfigurator/bundles.info");
        return Files.readAllLines(info).stream().filter(l -> !l.startsWith("#") && !l.isBlank())
                .map(l -> l.split(",")).collect(Collectors.toMap(f -> f[0], f -> f[1], (a, b) -> a + " " + b));
    }

    private static Path installedFeature(Path workbench, String feature) throws IOException {
        try (Stream<Path> folders = Files.list(workbench.resolve("features"))) {
            return folders.filter(f -> f.getFileName().toString().startsWith(feature + "_")).findFirst()
                    .orElseThrow(() -> new AssertionError("feature " + feature + " is not in " + workbench
                            + "/features after the install"));
        } catch (NoSuchFileException e) {
            throw new AssertionError("no features folder in " + workbench + " after the install", e);
        }
    }

    private static List<String> featurePlugins(Path feature) throws Exception {
        NodeList plugins = parse(feature.resolve("feature.xml")).getElementsByTagName("plugin");
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < plugins.getLength(); i++) {
            ids.add(((Element) plugins.item(i)).getAttribute("id"));
        }
        return ids;
    }

    /** The installed feature shows the user a name, a version, a description, a copyright and a license. */
    private static void assertFeatureDescribed(Path feature) throws Exception {
        Element xml = parse(feature.resolve("feature.xml")).getDocumentElement();
        Properties texts = new Properties();
        Path properties = feature.resolve("feature.properties");
        if (Files.exists(properties)) {
            try (InputStream in = Files.newInputStream(properties)) {
                texts.load(in);
            }
        }
        Function<String, String> text = s -> {
            String t = s == null ? "" : s.strip();
            return t.startsWith("%") ? texts.getProperty(t.substring(1), "").strip() : t;
        };
        String name = feature.getFileName().toString();
        assertAll(name,
                () -> assertFalse(text.apply(xml.getAttribute("label")).isEmpty(), name + " has a name"),
                () -> assertTrue(xml.getAttribute("version").matches("\\d+\\.\\d+\\.\\d+\\..+"),
                        name + " has a full version: " + xml.getAttribute("version")),
                () -> assertFalse(text.apply(xml.getAttribute("provider-name")).isEmpty(), name + " has a provider"),
                () -> assertFalse(text.apply(child(xml, "description")).isEmpty(), name + " has a description"),
                () -> assertFalse(text.apply(child(xml, "copyright")).isEmpty(), name + " has a copyright"),
                () -> assertTrue(text.apply(child(xml, "license")).length() > 40, name + " has a license text"),
                () -> assertTrue(text.apply(((Element) xml.getElementsByTagName("license").item(0))
                        .getAttribute("url")).startsWith("https://"), name + " has a license URL"));
    }

    private static String child(Element element, String tag) {
        NodeList nodes = element.getElementsByTagName(tag);
        return nodes.getLength() == 0 ? "" : nodes.item(0).getTextContent();
    }

    private static Document parse(Path xml) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        return factory.newDocumentBuilder().parse(xml.toFile());
    }

    private static String workspaceLog(Path workspace) throws IOException {
        Path log = workspace.resolve(".metadata/.log");
        return Files.exists(log) ? "\nworkspace log:\n" + tail(Files.readString(log)) : "";
    }

    private static String tail(String log) {
        List<String> lines = log.lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
    }

    private static void copyRecursively(Path from, Path to) throws IOException {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path path : (Iterable<Path>) paths::iterator) {
                Path target = to.resolve(from.relativize(path).toString());
                if (Files.isDirectory(path)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(path, target, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }

    private static void deleteRecursively(Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(path)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
