//! `salesos serve`: opens the store, creates the demo on an empty database, starts the
//! background worker, and serves HTTP until Ctrl-C or SIGTERM (finishing in-flight requests).

use crate::cli::ServeArgs;
use crate::context::{now_ms, Settings};
use crate::error::{CliError, CliResult};
use crate::output::say;
use salesos_app::worker;
use salesos_model::error::ErrorCode;
use salesos_store::files::FileStore;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Runs the server.
pub fn run(settings: &Settings, args: ServeArgs) -> CliResult<u8> {
    let address: SocketAddr = args.bind.parse().map_err(|_| {
        CliError::invalid(format!("--bind {:?} is not an address like 127.0.0.1:8080", args.bind)).with_field("bind")
    })?;
    let store = Arc::new(settings.open_store()?);
    let files = Arc::new(FileStore::new(settings.data_dir.join("files"))?);
    if !args.no_demo {
        if let Some(demo) = salesos_app::demo::create_if_empty(&store, now_ms())? {
            say(format!(
                "\nDemo organization {:?} created with {} records.\n  Sign in at http://{address}/login as {} with password {}\n  API key (shown once): {}\n  Try: curl -H 'Authorization: Bearer {}' http://{address}/v1/objects\n",
                demo.org, demo.records, demo.email, demo.password, demo.api_key, demo.api_key
            ));
        }
    }
    let secure_cookies = args.secure_cookies.unwrap_or(!address.ip().is_loopback());
    let max_upload_bytes = args.max_upload_mb.map(|mb| mb.saturating_mul(1024 * 1024));
    let state =
        salesos_http::AppState { store: store.clone(), files: files.clone(), secure_cookies, clock: now_ms, max_upload_bytes };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|err| CliError::new(ErrorCode::Internal, format!("cannot start the async runtime: {err}")))?;
    let stopping = Arc::new(AtomicBool::new(false));
    let worker_threads: Vec<_> = (0..args.workers.max(1))
        .map(|index| {
            let (store, files, stopping) = (store.clone(), files.clone(), stopping.clone());
            let max_imports = args.max_concurrent_imports.max(1);
            let lease_ms = args.import_lease_ms.max(1_000);
            std::thread::spawn(move || {
                let name = format!("worker-{}-{index}", std::process::id());
                while !stopping.load(Ordering::Relaxed) {
                    let now = now_ms();
                    let outcome = worker::schedule_housekeeping(&store, now)
                        .and_then(|()| worker::step(&store, &files, &name, &now_ms, max_imports, lease_ms));
                    match outcome {
                        Ok(worker::StepOutcome::Ran { .. }) => continue,
                        Ok(worker::StepOutcome::Idle) => {}
                        Err(err) => eprintln!("worker: {err}"),
                    }
                    for _ in 0..5 {
                        if stopping.load(Ordering::Relaxed) {
                            break;
                        }
                        std::thread::sleep(Duration::from_millis(100));
                    }
                }
            })
        })
        .collect();
    let result = runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(address)
            .await
            .map_err(|err| CliError::invalid(format!("cannot listen on {address}: {err}")).with_field("bind"))?;
        let bound = listener.local_addr().map_err(CliError::from)?;
        say(format!("SalesOS Data listening on http://{bound} ({} database)", store.backend_name()));
        salesos_http::serve(listener, salesos_http::router(state), shutdown_signal()).await.map_err(CliError::from)
    });
    stopping.store(true, Ordering::Relaxed);
    // Workers stop between jobs; a worker in the middle of an import is not waited for: the
    // import's lease runs out and the next server resumes it from its last committed batch.
    drop(worker_threads);
    std::thread::sleep(Duration::from_millis(200));
    result?;
    say("Stopped.");
    Ok(0)
}

/// Completes on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
