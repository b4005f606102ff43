package dev.skellyjelly.storage.app.net;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.InternetProtocolFamily;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.core.datagram.DatagramSocketOptions;
import io.vertx.core.net.ClientOptionsBase;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.transport.Transport;

import java.util.concurrent.ThreadFactory;

/**
 * Vert.x's native transport with one thing added through its public SPI: a server listening with
 * {@link ReadRests#options()} gets that {@link ReadRests}' acceptor in front of its accepting Netty channel, so the
 * TCP bridge's connections can rest between reads. Everything else is the native transport's own.
 */
public final class ReadRestTransport implements Transport {

  private final Transport base;
  private final io.vertx.core.spi.transport.Transport implementation;

  private ReadRestTransport(Transport base) {
    this.base = base;
    this.implementation = new Implementation(base.implementation());
  }

  /** The native transport with rests, or null where there is no native transport (Vert.x then takes NIO). */
  public static Transport ofNative() {
    Transport base = Transport.nativeTransport();
    return base == null || !base.available() ? null : new ReadRestTransport(base);
  }

  /**
   * A builder of a Vert.x with {@code options}: where they prefer the native transport and there is one, that
   * transport with the rests.
   */
  public static VertxBuilder builder(VertxOptions options) {
    VertxBuilder builder = Vertx.builder().with(options);
    Transport transport = options.getPreferNativeTransport() ? ofNative() : null;
    return transport == null ? builder : builder.withTransport(transport);
  }

  @Override
  public String name() {
    return base.name();
  }

  @Override
  public boolean available() {
    return base.available();
  }

  @Override
  public Throwable unavailabilityCause() {
    return base.unavailabilityCause();
  }

  @Override
  public io.vertx.core.spi.transport.Transport implementation() {
    return implementation;
  }

  private record Implementation(io.vertx.core.spi.transport.Transport base) implements io.vertx.core.spi.transport.Transport {

    @Override
    public void configure(NetServerOptions options, boolean domainSocket, ServerBootstrap bootstrap) {
      base.configure(options, domainSocket, bootstrap);
      if (options instanceof ReadRests.Options rests && !domainSocket) {
        bootstrap.handler(rests.rests().acceptor());
      }
    }

    @Override
    public boolean supportsDomainSockets() {
      return base.supportsDomainSockets();
    }

    @Override
    public boolean supportFileRegion() {
      return base.supportFileRegion();
    }

    @Override
    public boolean isAvailable() {
      return base.isAvailable();
    }

    @Override
    public Throwable unavailabilityCause() {
      return base.unavailabilityCause();
    }

    @Override
    public java.net.SocketAddress convert(io.vertx.core.net.SocketAddress address) {
      return base.convert(address);
    }

    @Override
    public io.vertx.core.net.SocketAddress convert(java.net.SocketAddress address) {
      return base.convert(address);
    }

    @Override
    public IoHandlerFactory ioHandlerFactory() {
      return base.ioHandlerFactory();
    }

    @Override
    public EventLoopGroup eventLoopGroup(int type, int threads, ThreadFactory threadFactory, int ioRatio) {
      return base.eventLoopGroup(type, threads, threadFactory, ioRatio);
    }

    @Override
    public DatagramChannel datagramChannel() {
      return base.datagramChannel();
    }

    @Override
    public DatagramChannel datagramChannel(InternetProtocolFamily family) {
      return base.datagramChannel(family);
    }

    @Override
    public ChannelFactory<? extends Channel> channelFactory(boolean domainSocket) {
      return base.channelFactory(domainSocket);
    }

    @Override
    public ChannelFactory<? extends ServerChannel> serverChannelFactory(boolean domainSocket) {
      return base.serverChannelFactory(domainSocket);
    }

    @Override
    public void configure(DatagramChannel channel, DatagramSocketOptions options) {
      base.configure(channel, options);
    }

    @Override
    public void configure(ClientOptionsBase options, int connectTimeout, boolean domainSocket, Bootstrap bootstrap) {
      base.configure(options, connectTimeout, domainSocket, bootstrap);
    }
  }
}
