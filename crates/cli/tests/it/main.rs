mod support;

mod cases;
mod config;
mod db_keys;
mod knowledge;
mod notices;
mod plan;
mod server;
