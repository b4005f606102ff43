package dev.skellyjelly.storage.it;

import dev.skellyjelly.storage.codecs.Addresses;
import dev.skellyjelly.storage.codecs.Codecs;
import dev.skellyjelly.storage.codecs.EventBatch;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.impl.CodecManager;
import io.vertx.core.eventbus.impl.EventBusImpl;
import io.vertx.core.eventbus.impl.clustered.ClusteredMessage;
import io.vertx.core.json.JsonObject;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A local process of another account trying the module's cluster, as {@link ClusterIT} starts it. It prints one
 * JSON line on stdout with what it managed.
 *
 * <ul>
 *   <li>{@code wrong-name STORAGE_DIR MODULE_PORT OWN_PORT}: a Vert.x + Hazelcast member with the right key pair
 *   but a wrong cluster name. It registers consumers on both batch addresses, requests and sends a valid event
 *   to {@code skelly.raw-event}, prints {@code READY} on stderr, and reports how many batches reached it once its
 *   stdin closes.</li>
 *   <li>{@code raw EVENT_BUS_PORT FOREIGN_KEYSTORE}: plain sockets on the module's clustered event-bus port: a
 *   valid event frame of the bus's wire form in clear, then a frame announcing 1 GB followed by up to 256 MB of
 *   bytes; the same frame over TLS without a certificate; and over TLS with a key pair of its own.</li>
 * </ul>
 */
public final class ClusterIntruder {

  static final long ANNOUNCED = 1L << 30;
  static final long SENT_AT_MOST = 256L << 20;

  private ClusterIntruder() {
  }

  public static void main(String[] args) throws Exception {
    JsonObject result = switch (args[0]) {
      case "wrong-name" -> wrongName(Path.of(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]));
      case "raw" -> raw(Integer.parseInt(args[1]), Path.of(args[2]));
      default -> throw new IllegalArgumentException(args[0]);
    };
    System.out.println(result.encode());
    System.out.flush();
    System.exit(0);
  }

  private static JsonObject wrongName(Path storage, int modulePort, int ownPort) throws Exception {
    String name = Files.readString(storage.resolve(ClusterClient.NAME_FILE)).strip() + "-not";
    Vertx vertx = ClusterClient.clustered(name, storage.resolve(ClusterClient.KEYSTORE_FILE), modulePort, ownPort, 1)
      .onSuccess(Codecs::ensureRegistered).toCompletionStage().toCompletableFuture().get(90, TimeUnit.SECONDS);
    AtomicLong batches = new AtomicLong();
    vertx.eventBus().<EventBatch>consumer(Addresses.EVENT_BATCH, m -> batches.incrementAndGet())
      .completion().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    vertx.eventBus().<JsonObject>consumer(Addresses.EVENT_BATCH_JSON, m -> batches.incrementAndGet())
      .completion().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    JsonObject result = new JsonObject();
    try {
      vertx.eventBus().request(Addresses.RAW_EVENT, event(), new DeliveryOptions().setSendTimeout(5000))
        .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      result.put("request", "answered");
    } catch (java.util.concurrent.ExecutionException e) {
      result.put("request", e.getCause() instanceof ReplyException re ? re.failureType().name() : String.valueOf(e.getCause()));
    }
    vertx.eventBus().send(Addresses.RAW_EVENT, event());
    vertx.eventBus().publish(Addresses.RAW_EVENT, event());
    System.err.println("READY");
    System.err.flush();
    // Until the test has seen the module emit batches to its real members.
    System.in.readAllBytes();
    result.put("batches", batches.get());
    vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    return result;
  }

  private static JsonObject raw(int port, Path foreignKeystore) throws Exception {
    Buffer frame = wireFrame();
    JsonObject result = new JsonObject();

    // In clear: a valid frame, then a 1 GB announcement and as many bytes as the module takes.
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      long written = 0;
      String ended = "sent everything";
      try {
        out.write(frame.getBytes());
        out.write(new byte[]{0x40, 0, 0, 0});
        out.flush();
        byte[] chunk = new byte[64 * 1024];
        while (written < SENT_AT_MOST) {
          out.write(chunk);
          written += chunk.length;
        }
      } catch (IOException e) {
        ended = e.getMessage();
      }
      result.put("clear", new JsonObject().put("announced", ANNOUNCED).put("written", written).put("ended", ended)
        .put("closed_by_module", written < SENT_AT_MOST));
    }

    result.put("tls_without_certificate", tls(port, null, frame));
    result.put("tls_foreign_certificate", tls(port, foreignKeystore, frame));
    return result;
  }

  /** A TLS connection trusting any server, presenting {@code keystore}'s key pair when given, then the frame. */
  private static JsonObject tls(int port, Path keystore, Buffer frame) throws Exception {
    KeyManagerFactory kmf = null;
    if (keystore != null) {
      KeyStore ks = KeyStore.getInstance("PKCS12");
      try (InputStream in = Files.newInputStream(keystore)) {
        ks.load(in, ClusterClient.KEYSTORE_PASSWORD.toCharArray());
      }
      kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(ks, ClusterClient.KEYSTORE_PASSWORD.toCharArray());
    }
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(kmf == null ? null : kmf.getKeyManagers(), new TrustManager[]{new TrustingAnyone()}, null);
    JsonObject r = new JsonObject();
    try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(), port)) {
      s.setSoTimeout(10_000);
      s.startHandshake();
      s.getOutputStream().write(frame.getBytes());
      s.getOutputStream().flush();
      // TLS 1.3 reports a refused client certificate after the client's part of the handshake: on the next read.
      int b = s.getInputStream().read();
      r.put("refused", b < 0).put("read", b);
    } catch (IOException e) {
      r.put("refused", true).put("error", e.getClass().getSimpleName() + ": " + e.getMessage());
    }
    return r;
  }

  /** A valid RawEvent in its JSON form as one frame of the clustered event bus's wire form, sent to raw-event. */
  private static Buffer wireFrame() throws Exception {
    Vertx local = Vertx.vertx();
    try {
      ClusteredMessage<JsonObject, JsonObject> m = new ClusteredMessage<>(UUID.randomUUID().toString(), Addresses.RAW_EVENT,
        MultiMap.caseInsensitiveMultiMap(), event(), CodecManager.JSON_OBJECT_MESSAGE_CODEC, true,
        (EventBusImpl) local.eventBus());
      return m.encodeToWire();
    } finally {
      local.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  private static JsonObject event() {
    return new JsonObject().put("id", UUID.randomUUID().toString()).put("timestamp", Instant.now().toString())
      .put("event_type", "mouse_move").put("data", new JsonObject().put("x", 1).put("y", 2).put("velocity", 3.5));
  }

  private static final class TrustingAnyone implements X509TrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
