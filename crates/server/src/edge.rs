//! The one middleware around every route: it counts the request in flight, gives
//! it its log id, turns a handler's panic into an enveloped 500 and, on the way
//! out, sets the headers every response gets, records the metrics and writes
//! the request's log line.
//!
//! A tower service with its own future rather than `from_fn` plus tower-http's
//! catch-panic layer: `from_fn` boxes every request's future and clones the
//! route behind it (another allocation), and this runs on every API call, whose
//! token check has a budget of a few microseconds.

use crate::in_flight::{InFlight, InFlightGuard};
use crate::{error, headers, logid, metrics, request_log};
use axum::extract::{MatchedPath, Request};
use axum::http::Method;
use axum::response::Response;
use std::convert::Infallible;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Instant;
use tokio::task::futures::TaskLocalFuture;
use tower::{Layer, Service};

/// What a request that matched no route is logged and counted as.
const UNMATCHED: &str = "unmatched";

/// Wraps every route in [`Edge`].
#[derive(Clone)]
pub struct EdgeLayer {
    in_flight: InFlight,
}

impl EdgeLayer {
    pub fn new(in_flight: InFlight) -> EdgeLayer {
        EdgeLayer { in_flight }
    }
}

impl<S> Layer<S> for EdgeLayer {
    type Service = Edge<S>;

    fn layer(&self, inner: S) -> Edge<S> {
        Edge {
            inner,
            in_flight: self.in_flight.clone(),
        }
    }
}

#[derive(Clone)]
pub struct Edge<S> {
    inner: S,
    in_flight: InFlight,
}

impl<S> Service<Request> for Edge<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = EdgeFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> EdgeFuture<S::Future> {
        let counted = self.in_flight.enter();
        let id = logid::LogId::new();
        // The route's template (never the raw path: a token or code in a URL must
        // not reach a log line or a metric label).
        let route = req.extensions().get::<MatchedPath>().cloned();
        let method = req.method().clone();
        let no_store = headers::uncached(req.uri().path());
        let start = Instant::now();
        let handling = match catch_unwind(AssertUnwindSafe(|| self.inner.call(req))) {
            Ok(future) => Handling::Running {
                future: logid::scoped(id, future),
            },
            Err(panic) => Handling::Panicked {
                response: Some(logid::sync_scoped(id, || error::panic_response(panic))),
            },
        };
        EdgeFuture {
            handling,
            finish: Finish {
                _counted: counted,
                id,
                route,
                method,
                no_store,
                start,
            },
        }
    }
}

pin_project_lite::pin_project! {
    pub struct EdgeFuture<F> {
        #[pin]
        handling: Handling<F>,
        finish: Finish,
    }
}

pin_project_lite::pin_project! {
    #[project = HandlingProjection]
    enum Handling<F> {
        Running { #[pin] future: TaskLocalFuture<logid::LogId, F> },
        Panicked { response: Option<Response> },
    }
}

/// What the way out needs of the way in.
struct Finish {
    _counted: InFlightGuard,
    id: logid::LogId,
    route: Option<MatchedPath>,
    method: Method,
    no_store: bool,
    start: Instant,
}

impl<F> Future for EdgeFuture<F>
where
    F: Future<Output = Result<Response, Infallible>>,
{
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let id = this.finish.id;
        let resp = match this.handling.project() {
            HandlingProjection::Running { future } => {
                match catch_unwind(AssertUnwindSafe(|| future.poll(cx))) {
                    Ok(polled) => match ready!(polled) {
                        Ok(resp) => resp,
                        Err(never) => match never {},
                    },
                    Err(panic) => logid::sync_scoped(id, || error::panic_response(panic)),
                }
            }
            HandlingProjection::Panicked { response } => match response.take() {
                Some(resp) => resp,
                // Polled again after it answered: answer the same way.
                None => logid::sync_scoped(id, error::internal_response),
            },
        };
        Poll::Ready(Ok(this.finish.finish(resp)))
    }
}

impl Finish {
    fn finish(&self, mut resp: Response) -> Response {
        let elapsed = self.start.elapsed();
        headers::apply(&mut resp, self.no_store);
        logid::stamp(&mut resp, &self.id);
        let route = self.route.as_ref().map_or(UNMATCHED, MatchedPath::as_str);
        metrics::record(&self.method, route, resp.status(), elapsed);
        // Probes poll every few seconds; only their failures are worth a line.
        if !(matches!(route, "/healthz" | "/readyz") && resp.status().is_success()) {
            request_log::record(
                &self.method,
                route,
                resp.status(),
                elapsed,
                self.id.as_str(),
            );
        }
        resp
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::StatusCode;
    use tower::ServiceExt;

    async fn body_json(resp: Response) -> serde_json::Value {
        let bytes = axum::body::to_bytes(resp.into_body(), 1 << 16)
            .await
            .unwrap();
        serde_json::from_slice(&bytes).unwrap()
    }

    fn request(path: &str) -> Request {
        Request::builder().uri(path).body(Body::empty()).unwrap()
    }

    /// The envelope of a 500 with the log id of its header, and nothing counted.
    async fn assert_enveloped_500(resp: Response, in_flight: &InFlight) {
        assert_eq!(resp.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(resp.headers()["x-content-type-options"], "nosniff");
        let logid = resp.headers()["x-tt-logid"].to_str().unwrap().to_string();
        assert!(!logid.is_empty());
        let body = body_json(resp).await;
        assert_eq!(body["code"], 5000);
        assert_eq!(body["detail"]["logid"], logid.as_str());
        assert_eq!(in_flight.count(), 0);
    }

    #[tokio::test]
    async fn a_handler_that_panics_while_answering_gets_an_enveloped_500() {
        let in_flight = InFlight::default();
        let svc =
            EdgeLayer::new(in_flight.clone()).layer(tower::service_fn(|_: Request| async move {
                if true {
                    panic!("handler bug");
                }
                Ok::<Response, Infallible>(Response::new(Body::empty()))
            }));
        let resp = svc.oneshot(request("/v1/users/me")).await.unwrap();
        assert_enveloped_500(resp, &in_flight).await;
    }

    #[tokio::test]
    async fn a_service_that_panics_when_called_gets_an_enveloped_500() {
        let in_flight = InFlight::default();
        let svc = EdgeLayer::new(in_flight.clone()).layer(tower::service_fn(|_: Request| {
            if true {
                panic!("service bug");
            }
            std::future::ready(Ok::<Response, Infallible>(Response::new(Body::empty())))
        }));
        let resp = svc.oneshot(request("/v1/users/me")).await.unwrap();
        assert_enveloped_500(resp, &in_flight).await;
    }

    #[tokio::test]
    async fn an_answer_gets_the_log_id_its_handler_saw_and_the_common_headers() {
        use axum::response::IntoResponse;
        let in_flight = InFlight::default();
        let watched = in_flight.clone();
        let svc = EdgeLayer::new(in_flight.clone()).layer(tower::service_fn(move |_: Request| {
            let watched = watched.clone();
            async move {
                // The request is counted while it is answered.
                assert_eq!(watched.count(), 1);
                let answer = crate::error::Envelope(crate::error::Empty {});
                Ok::<Response, Infallible>(answer.into_response())
            }
        }));
        let resp = svc.oneshot(request("/oauth/device")).await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        assert_eq!(resp.headers()["cache-control"], "no-store");
        assert_eq!(resp.headers()["pragma"], "no-cache");
        let logid = resp.headers()["x-tt-logid"].to_str().unwrap().to_string();
        let body = body_json(resp).await;
        assert_eq!(body["detail"]["logid"], logid.as_str());
        assert_eq!(in_flight.count(), 0);
    }
}
