package dev.skellyjelly.storage.impl;

import dev.skellyjelly.storage.codecs.ImageFormat;
import io.vertx.core.Future;
import io.vertx.core.file.FileSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The start-up sweep of the screenshot directory: removes the files a previous run left (a crash leaves them), and
 * dev mode's copies unless dev mode is on — only files named as the module names them ({@link #FILE_NAME}), nothing
 * else a person put there.
 */
final class ScreenshotSweep {

  private static final Logger LOG = LoggerFactory.getLogger(ScreenshotStoreVerticle.class);
  /** How this module names a screenshot's file: its id and its format; the sweep deletes nothing else. */
  static final Pattern FILE_NAME = Pattern.compile(
    "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\\.(" + Arrays.stream(ImageFormat.values())
      .map(ImageFormat::wireName).collect(Collectors.joining("|")) + ")");

  private ScreenshotSweep() {
  }

  /** Sweeps {@code dir}, and {@code devDir} (removed once empty) unless {@code devMode}. */
  static Future<Void> run(FileSystem fs, String dir, String devDir, boolean devMode) {
    return removeOwnFiles(fs, dir).compose(removed -> {
      if (removed > 0) {
        LOG.info("start-up sweep removed {} screenshot files left by an earlier run", removed);
      }
      if (devMode) {
        return Future.succeededFuture();
      }
      // Dev copies outlive only runs in dev mode; the directory goes too once it holds nothing else.
      return fs.exists(devDir).compose(exists -> !exists ? Future.succeededFuture()
        : removeOwnFiles(fs, devDir).compose(n -> {
          if (n > 0) {
            LOG.info("start-up sweep removed {} dev-mode screenshot copies (dev_mode is off)", n);
          }
          return fs.readDir(devDir).compose(left -> left.isEmpty() ? fs.delete(devDir) : Future.succeededFuture());
        }));
    });
  }

  /** Deletes the regular files in {@code directory} whose names this module gives screenshots; how many. */
  private static Future<Integer> removeOwnFiles(FileSystem fs, String directory) {
    return fs.readDir(directory).compose(paths -> {
      List<Future<Boolean>> removals = new ArrayList<>();
      for (String path : paths) {
        if (FILE_NAME.matcher(Path.of(path).getFileName().toString()).matches()) {
          removals.add(fs.lprops(path).compose(p -> p.isRegularFile() ? fs.delete(path).map(true)
            : Future.succeededFuture(false)));
        }
      }
      return Future.join(removals).map(v -> (int) removals.stream().filter(Future::result).count());
    });
  }
}
