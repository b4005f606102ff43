package dev.skellyjelly.storage.app;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The module builds on Vert.x's public API only: no class of any module's main sources names a Vert.x package
 * that Vert.x 5 keeps internal ({@code io.vertx.core.internal}, {@code .impl}), which may change in any release.
 */
class PublicVertxApiTest {

  private static final Pattern INTERNAL = Pattern.compile("\\bio\\.vertx\\.[a-z.]*\\.(internal|impl)\\b");

  @Test
  void noMainSourceNamesAnInternalVertxPackage() throws IOException {
    Path root = Path.of(System.getProperty("user.dir")).resolve("..").normalize();
    List<Path> sources;
    // The codecs and verticles modules, and this one (whose folder is itself named src).
    try (Stream<Path> modules = Stream.of("codecs/src/main/java", "verticles/src/main/java", "src/main/java").map(root::resolve)) {
      sources = modules.flatMap(PublicVertxApiTest::javaFiles).toList();
    }
    assertTrue(sources.size() > 100, "the main sources were found: " + sources.size());
    List<String> offending = sources.stream().filter(PublicVertxApiTest::namesInternal).map(root::relativize)
      .map(Path::toString).toList();
    assertEquals(List.of(), offending);
  }

  private static Stream<Path> javaFiles(Path dir) {
    try (Stream<Path> walk = Files.walk(dir)) {
      return walk.filter(p -> p.toString().endsWith(".java")).toList().stream();
    } catch (IOException e) {
      throw new IllegalStateException(dir.toString(), e);
    }
  }

  private static boolean namesInternal(Path file) {
    try {
      return INTERNAL.matcher(Files.readString(file)).find();
    } catch (IOException e) {
      throw new IllegalStateException(file.toString(), e);
    }
  }
}
