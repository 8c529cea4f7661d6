"""``xlperf serve``: the local service the WPS add-in's buttons call (see :mod:`xlperf.wps.service`)."""

from __future__ import annotations

import logging
import signal
import sys
import threading
from pathlib import Path

import click

from xlperf.cli.options import CONTEXT


@click.command("serve", context_settings=CONTEXT)
@click.option("--port", type=click.IntRange(0, 65535), default=None, metavar="端口",
              help="监听的端口（默认：xlperf wps install 记录的端口；0 表示任选一个空闲端口）。")  # fmt: skip
@click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              metavar="文件", help="服务设置文件（端口和密钥；默认在用户配置文件夹中，没有时自动生成）。")  # fmt: skip
@click.option("--log", "log_file", default=None, metavar="文件",
              help="日志文件（默认在用户数据文件夹中；“-”表示输出到屏幕）。")  # fmt: skip
@click.option("--allow-origin", "origins", multiple=True, metavar="来源",
              help="另外允许的网页来源（默认只允许加载项页面的 null 和 file:// 来源；无论来源，每个请求都须凭密钥验证），可重复。")  # fmt: skip
@click.option("--max-body-mb", type=click.FloatRange(0.01, 512), default=16.0, show_default=True, metavar="MB",
              help="单个请求的大小上限（MB）。")  # fmt: skip
@click.option("--work-timeout", type=click.FloatRange(0.1, 3600), default=300.0, show_default=True, metavar="秒",
              help="单个请求的处理时间上限（秒）。")  # fmt: skip
@click.option("--read-timeout", type=click.FloatRange(0.1, 600), default=20.0, show_default=True, metavar="秒",
              help="接收一个请求的时间上限（秒）。")  # fmt: skip
@click.option("--workers", type=click.IntRange(1, 32), default=4, show_default=True, metavar="个",
              help="同时处理的请求数。")  # fmt: skip
@click.option("--no-open", is_flag=True, help="生成自评报告后不替用户打开（没有桌面的电脑）。")
def command(
    port, config_file, log_file, origins, max_body_mb, work_timeout, read_timeout, workers, no_open
) -> None:
    """启动本机服务，供 WPS 表格中的“绩效自评”加载项调用（只接受本机 127.0.0.1 的请求）。

    一般无需手动运行：xlperf wps install 会设置为登录时自动启动。服务启动后显示地址，
    按 Ctrl+C 停止。

    \b
    示例：xlperf serve
    """
    from xlperf.wps import config, handlers
    from xlperf.wps.service import ADDIN_ORIGINS, Limits, ServiceState, make_server, setup_logging

    handlers.OPEN_DOCUMENTS = not no_open
    exposed = config.exposure(config_file)
    cfg, _ = config.load_or_create(config_file)  # a secret others may know is replaced (exposure)
    log_path = None if log_file == "-" else Path(log_file) if log_file else config.state_dir() / "serve.log"
    log_path = setup_logging(log_path, verbose=log_file == "-")
    if exposed:
        renewed = (
            f"服务设置中的密钥{exposed}，可能已被他人知道：已重新生成密钥。请运行 xlperf wps install 重新安装加载项"
            "（加载项中的密钥随之更新），然后重新启动 WPS。"
        )
        logging.getLogger("xlperf.serve").warning("%s", renewed)
        click.echo(renewed, err=True)
    limits = Limits(max_body=int(max_body_mb * 1048576), read_timeout=read_timeout, work_timeout=work_timeout,
                    workers=workers)  # fmt: skip
    state = ServiceState(cfg, limits, frozenset({*ADDIN_ORIGINS, *cfg.origins, *origins}), log_path=log_path)
    server = make_server(state, port)

    # SIGTERM (systemd, kill) and Ctrl+Break end it like Ctrl+C: the port is given back at once
    def stop(*_):
        threading.Thread(target=server.shutdown, daemon=True).start()

    for name in ("SIGTERM", "SIGBREAK"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), stop)
    click.echo(
        f"xlperf 服务已启动：http://127.0.0.1:{state.port}/（日志：{log_path or '屏幕'}；按 Ctrl+C 停止）"
    )
    if sys.stdout is not None:
        sys.stdout.flush()
    try:
        server.serve_forever(poll_interval=0.5)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        state.stop_work()
        if state.pool is not None:
            state.pool.shutdown(wait=False, cancel_futures=True)
    click.echo("xlperf 服务已停止。")
