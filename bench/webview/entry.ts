// The benchmark's webview bundle: the product's webview (webview/main.ts) plus the timing hooks.
import '../../webview/main';
import { installBench } from './hooks';

installBench();
