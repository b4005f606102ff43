package dev.skellyjelly.storage.app.net;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.SocketAddress;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Rests for one server's connections: a socket left unread for {@link #REST_MS} after a read, so that what its peer
 * writes meanwhile arrives in one read. A producer writing every 10 ms otherwise wakes the event loop a hundred times
 * a second, each wake-up costing more than the few events it brings (the events are committed once a second
 * anyway). Vert.x's {@code NetSocket.pause()} cannot do this: it stops handing buffers on, while Netty goes on
 * reading them; what stops the reading is the auto-read of the connection's Netty channel.
 *
 * <p>The channels come from Vert.x's public transport SPI ({@link ReadRestTransport}): a server listening with
 * {@link #options()} has {@link #acceptor()} in front of its accepting channel, which notes each accepted channel by
 * its peer's address until its connection claims it ({@link #claim}). A server started on a Vert.x built without
 * that transport has no channel to claim, and its connections read as Vert.x does.
 */
final class ReadRests {

  /** How long a socket is left unread after a read that ended between frames. */
  static final long REST_MS = 100;

  /** Accepted channels not claimed yet (each leaves when claimed or closed): at most the open connections. */
  private final Map<InetSocketAddress, Channel> accepted = new ConcurrentHashMap<>();
  private final ChannelHandler acceptor = new Acceptor();

  /** Options for a server whose connections may rest; Vert.x keeps a copy of them, which stays of this kind. */
  NetServerOptions options() {
    return new Options(this);
  }

  /** The handler {@link ReadRestTransport} puts in front of the accepting channel of a server with these options. */
  ChannelHandler acceptor() {
    return acceptor;
  }

  /** The rests of the connection from {@code remote}, or null when its channel is not known here. Once per connection. */
  Rest claim(SocketAddress remote) {
    if (remote == null || remote.hostAddress() == null) {
      return null;
    }
    try {
      // An address literal: no name is looked up.
      Channel channel = accepted.remove(new InetSocketAddress(InetAddress.getByName(remote.hostAddress()), remote.port()));
      return channel == null ? null : new Rest(channel);
    } catch (UnknownHostException e) {
      return null;
    }
  }

  /** Accepted channels waiting to be claimed: for tests. */
  int unclaimed() {
    return accepted.size();
  }

  static final class Options extends NetServerOptions {
    private final ReadRests rests;

    private Options(ReadRests rests) {
      this.rests = rests;
    }

    private Options(Options other) {
      super(other);
      this.rests = other.rests;
    }

    ReadRests rests() {
      return rests;
    }

    @Override
    public NetServerOptions copy() {
      return new Options(this);
    }
  }

  /** On the accepting channel: each accepted channel is the message read. */
  @ChannelHandler.Sharable
  private final class Acceptor extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof Channel child && child.remoteAddress() instanceof InetSocketAddress remote) {
        accepted.put(remote, child);
        child.closeFuture().addListener(f -> accepted.remove(remote, child));
      }
      ctx.fireChannelRead(msg);
    }
  }

  /**
   * One connection's rests, on its event loop (its channel's). The connection holds reading for reasons of its own
   * ({@link #hold}, {@link #release}); a rest that ends meanwhile leaves the socket unread until it is released.
   */
  static final class Rest {
    private final Channel channel;
    private boolean resting;
    private boolean held;

    private Rest(Channel channel) {
      this.channel = channel;
    }

    /** After a read that ended between frames: nothing more is read for {@link #REST_MS}. */
    void afterRead() {
      if (resting || held || !channel.isActive()) {
        return;
      }
      resting = true;
      channel.config().setAutoRead(false);
      channel.eventLoop().schedule(this::wake, REST_MS, TimeUnit.MILLISECONDS);
    }

    private void wake() {
      resting = false;
      if (!held) {
        channel.config().setAutoRead(true);
      }
    }

    /** The connection stopped reading (its socket paused). */
    void hold() {
      held = true;
    }

    /** The connection reads again: so does the socket, unless it is resting. */
    void release() {
      held = false;
      if (!resting) {
        channel.config().setAutoRead(true);
      }
    }
  }
}
