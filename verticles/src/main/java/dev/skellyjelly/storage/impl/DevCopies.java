package dev.skellyjelly.storage.impl;

import dev.skellyjelly.storage.codecs.Screenshot;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.file.FileProps;
import io.vertx.core.file.FileSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Dev mode's copies of the newest screenshots in {@code <screenshot_temp_dir>/dev}: named files (a debugging aid
 * the person turned on), owner-only, the newest {@code dev_mode_screenshot_count} kept, newer ones replacing the
 * oldest one for one. Used on the screenshot store's event loop.
 */
final class DevCopies {

  private static final Logger LOG = LoggerFactory.getLogger(ScreenshotStoreVerticle.class);

  private final Vertx vertx;
  private final FileSystem fs;
  private final String devDir;
  private final int count;
  private final FileAttribute<?> mode;
  private final Deque<String> files = new ArrayDeque<>();

  DevCopies(Vertx vertx, String devDir, int count, FileAttribute<?> mode) {
    this.vertx = vertx;
    this.fs = vertx.fileSystem();
    this.devDir = devDir;
    this.count = count;
    this.mode = mode;
  }

  /** Takes the copies an earlier run kept, oldest first, and trims them to the count. */
  Future<Void> load() {
    return fs.readDir(devDir).compose(paths -> {
      List<Future<FileProps>> props = new ArrayList<>();
      for (String p : paths) {
        props.add(fs.props(p));
      }
      return Future.join(props).map(v -> {
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < paths.size(); i++) {
          order.add(i);
        }
        order.sort((a, b) -> Long.compare(props.get(a).result().lastModifiedTime(), props.get(b).result().lastModifiedTime()));
        for (int i : order) {
          files.addLast(paths.get(i));
        }
        return (Void) null;
      });
    }).compose(v -> trim());
  }

  /** Writes a copy of {@code image} (on a worker thread), then lets the oldest copies past the count go. */
  void keep(Screenshot shot, byte[] image) {
    if (count == 0) {
      return;
    }
    String path = devDir + "/" + shot.screenshotId() + "." + shot.format().wireName();
    vertx.executeBlocking(() -> {
        FileSlices.writeNew(Path.of(path), image, mode);
        return null;
      }, false)
      .onSuccess(v -> {
        files.addLast(path);
        trim();
      })
      .onFailure(err -> LOG.warn("dev copy of screenshot {} failed: {}", shot.screenshotId(), err.getMessage()));
  }

  private Future<Void> trim() {
    List<Future<?>> removals = new ArrayList<>();
    while (files.size() > count) {
      removals.add(fs.delete(files.removeFirst()));
    }
    return Future.join(removals).mapEmpty();
  }
}
