package dev.skellyjelly.storage.app.net;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import dev.skellyjelly.storage.StorageConfig;
import dev.skellyjelly.storage.codecs.Codecs;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;

/**
 * The clustered Vert.x of {@code run --cluster}: Vert.x's Hazelcast cluster manager, configured from
 * {@code conf/cluster.xml} (or the copy embedded in the jar) with the storage configuration's
 * {@code cluster_*} keys and the membership's secret name applied, bound to {@code cluster_host} only, members
 * found by TCP-IP only; the event bus between members over mutual TLS ({@link ClusterMembership}).
 */
public final class Cluster {

  /** Looked up relative to the working directory. */
  public static final Path FILE = Path.of("conf", "cluster.xml");
  /** The same configuration, embedded in the jar. */
  public static final String RESOURCE = "cluster.xml";

  private static final Logger LOG = LoggerFactory.getLogger(Cluster.class);

  private Cluster() {
  }

  /**
   * Starts a clustered Vert.x with {@code base}'s options (event loops, metrics), the event bus bound to
   * {@code cluster_host} on a free port and secured by {@code membership}, and the contract's codecs registered.
   */
  public static Future<Vertx> clusteredVertx(VertxOptions base, StorageConfig config, ClusterMembership membership) {
    Config hazelcast;
    String host;
    try {
      host = resolve(config.clusterHost());
      hazelcast = hazelcastConfig(config, membership.name(), FILE);
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    // VertxOptions' copy constructor turns MicrometerMetricsOptions into plain MetricsOptions (Micrometer would
    // then count into an empty composite registry): hand the caller's metrics options over as they are.
    VertxOptions options = new VertxOptions(base).setMetricsOptions(base.getMetricsOptions());
    membership.secure(options.getEventBusOptions().setHost(host).setPort(0).setClusterPublicHost(host));
    // The name is a secret: it is not logged.
    LOG.info("joining the cluster on {} (port {}+), members {}, event bus over TLS with {}", host,
      config.clusterPort(), config.clusterMembers(), membership.keystore());
    return ReadRestTransport.builder(options).withClusterManager(new HazelcastClusterManager(hazelcast)).buildClustered()
      .onSuccess(Codecs::ensureRegistered);
  }

  /**
   * The Hazelcast configuration: {@code file} when it exists, else the embedded resource, its placeholders
   * filled and then {@code name}, the {@code cluster_*} keys and the enforced settings applied over whatever
   * it says.
   */
  public static Config hazelcastConfig(StorageConfig config, String name, Path file) {
    // Hazelcast's own static loggers read this before any instance exists; keep its logs in ours (stderr).
    if (System.getProperty("hazelcast.logging.type") == null) {
      System.setProperty("hazelcast.logging.type", "slf4j");
    }
    String host = resolve(config.clusterHost());
    Properties placeholders = new Properties();
    placeholders.setProperty("skelly.cluster.name", name);
    placeholders.setProperty("skelly.cluster.host", host);
    placeholders.setProperty("skelly.cluster.members", String.join(",", config.clusterMembers()));
    placeholders.setProperty("skelly.cluster.port", Integer.toString(config.clusterPort()));
    Config hz;
    try {
      if (Files.isRegularFile(file)) {
        LOG.info("Hazelcast configuration: {}", file.toAbsolutePath());
        hz = Config.loadFromFile(file.toFile(), placeholders);
      } else {
        try (InputStream in = Cluster.class.getClassLoader().getResourceAsStream(RESOURCE)) {
          if (in == null) {
            throw new IllegalStateException("no " + file + " and no embedded " + RESOURCE);
          }
          hz = Config.loadFromStream(in, placeholders);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the Hazelcast configuration: " + e.getMessage(), e);
    }
    return apply(hz, config, name, host);
  }

  /** The values a configuration file cannot override: the storage configuration's, and loopback-safe binding. */
  static Config apply(Config hz, StorageConfig config, String name, String host) {
    hz.setClusterName(name);
    // Hazelcast would otherwise put the cluster name, a secret, in front of every log line.
    hz.setProperty("hazelcast.logging.details.enabled", "false");
    hz.setProperty("hazelcast.socket.bind.any", "false");
    hz.setProperty("hazelcast.phone.home.enabled", "false");
    hz.setProperty("hazelcast.shutdownhook.enabled", "false");
    if (hz.getProperty("hazelcast.wait.seconds.before.join") == null) {
      hz.setProperty("hazelcast.wait.seconds.before.join", "1");
    }
    NetworkConfig network = hz.getNetworkConfig();
    network.setPort(config.clusterPort()).setPortAutoIncrement(true);
    network.getInterfaces().clear().setEnabled(true).addInterface(host);
    JoinConfig join = network.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getAwsConfig().setEnabled(false);
    join.getGcpConfig().setEnabled(false);
    join.getAzureConfig().setEnabled(false);
    join.getKubernetesConfig().setEnabled(false);
    join.getEurekaConfig().setEnabled(false);
    join.getDiscoveryConfig().getDiscoveryStrategyConfigs().clear();
    join.getTcpIpConfig().setEnabled(true).setMembers(List.copyOf(config.clusterMembers()));
    return hz;
  }

  /** Hazelcast's interface patterns are IP addresses: a host name is resolved once, here. */
  static String resolve(String host) {
    try {
      return InetAddress.getByName(host).getHostAddress();
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("cluster_host '" + host + "' cannot be resolved", e);
    }
  }
}
