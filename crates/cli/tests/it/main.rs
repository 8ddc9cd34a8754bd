mod support;

mod cases;
mod ceac;
mod config;
mod consult;
mod db_keys;
mod knowledge;
mod logs;
mod monitoring;
mod notices;
mod notifications;
mod notify;
mod plan;
mod server;
mod story;
mod sweep;
